using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Text;

/// <summary>Pre-LN bidirectional transformer block of the built-in text encoder.</summary>
public sealed class TransformerTextBlock : nn.Module
{
    private readonly long _heads;
    public LayerNorm norm1;
    public Linear qkv;
    public Linear proj;
    public LayerNorm norm2;
    public Linear fc1;
    public Linear fc2;

    public TransformerTextBlock(long width, long heads, double mlpRatio = 4.0) : base(nameof(TransformerTextBlock))
    {
        _heads = heads;
        norm1 = nn.LayerNorm(width);
        qkv = nn.Linear(width, 3 * width);
        proj = nn.Linear(width, width);
        norm2 = nn.LayerNorm(width);
        fc1 = nn.Linear(width, (long)(width * mlpRatio));
        fc2 = nn.Linear((long)(width * mlpRatio), width);
        RegisterComponents();
    }

    /// <param name="keyMask">[N, 1, 1, L] boolean, true = attend.</param>
    public Tensor forward(Tensor x, Tensor keyMask)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], l = x.shape[1], d = x.shape[2];
        var parts = qkv.forward(norm1.forward(x)).reshape(n, l, 3, _heads, d / _heads).permute(2, 0, 3, 1, 4);
        var attn = nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2], keyMask);
        x = x.Plus(proj.forward(attn.permute(0, 2, 1, 3).reshape(n, l, d))); // Scalar-free residuals: ScalarSafe
        x = x.Plus(fc2.forward(nn.functional.gelu(fc1.forward(norm2.forward(x)))));
        return x.MoveToOuterDisposeScope();
    }
}
