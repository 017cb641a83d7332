using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Text;

/// <summary>CLIP attention: separate q/k/v/out projections with bias, q scaled by 1/√d.</summary>
public sealed class ClipAttention : nn.Module
{
    private readonly long _heads;
    public Linear q_proj;
    public Linear k_proj;
    public Linear v_proj;
    public Linear out_proj;

    public ClipAttention(ClipTextConfig config) : base(nameof(ClipAttention))
    {
        _heads = config.NumHeads;
        q_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        k_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        v_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        out_proj = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <param name="bias">additive mask [N or 1, 1, L, L] (causal plus padding).</param>
    public Tensor forward(Tensor x, Tensor bias)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], l = x.shape[1], d = x.shape[2], hd = d / _heads;
        Tensor Heads(Linear proj) => proj.forward(x).reshape(n, l, _heads, hd).transpose(1, 2);
        var scores = Heads(q_proj).Times(Math.Pow(hd, -0.5)).matmul(Heads(k_proj).transpose(-1, -2)).Plus(bias);
        var output = softmax(scores, -1).matmul(Heads(v_proj)).transpose(1, 2).reshape(n, l, d);
        return out_proj.forward(output).MoveToOuterDisposeScope();
    }
}

/// <summary>fc2(quick_gelu(fc1 x)), quick_gelu(x) = x·σ(1.702x).</summary>
public sealed class ClipMlp : nn.Module<Tensor, Tensor>
{
    public Linear fc1;
    public Linear fc2;

    public ClipMlp(ClipTextConfig config) : base(nameof(ClipMlp))
    {
        fc1 = nn.Linear(config.HiddenSize, config.IntermediateSize);
        fc2 = nn.Linear(config.IntermediateSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = fc1.forward(x);
        return fc2.forward(h * sigmoid(h.Times(1.702))).MoveToOuterDisposeScope();
    }
}

/// <summary>Pre-LN CLIP encoder layer: x += attn(ln1 x); x += mlp(ln2 x).</summary>
public sealed class ClipEncoderLayer : nn.Module
{
    public ClipAttention self_attn;
    public LayerNorm layer_norm1;
    public ClipMlp mlp;
    public LayerNorm layer_norm2;

    public ClipEncoderLayer(ClipTextConfig config) : base(nameof(ClipEncoderLayer))
    {
        self_attn = new ClipAttention(config);
        layer_norm1 = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        mlp = new ClipMlp(config);
        layer_norm2 = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        RegisterComponents();
    }

    public Tensor forward(Tensor x, Tensor bias)
    {
        x = x.Plus(self_attn.forward(layer_norm1.forward(x), bias));
        return x.Plus(mlp.forward(layer_norm2.forward(x)));
    }
}
