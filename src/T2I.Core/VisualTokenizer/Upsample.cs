using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer;

/// <summary>Nearest-neighbour ×2 followed by a 3×3 <c>conv</c> (LDM Upsample with_conv).</summary>
public sealed class Upsample : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;

    public Upsample(int channels) : base(nameof(Upsample))
    {
        conv = nn.Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => OneDnnConv2d.Forward(conv, Nearest2x(x));

    /// <summary>
    /// Nearest ×2 as a broadcast copy: the same values as <c>interpolate(nearest)</c>, but its backward is a plain
    /// sum over the copies — measured 2–4× cheaper than libtorch's CPU upsample-nearest backward.
    /// </summary>
    public static Tensor Nearest2x(Tensor x)
    {
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        return x.view(n, c, h, 1, w, 1).expand(n, c, h, 2, w, 2).reshape(n, c, 2 * h, 2 * w);
    }
}
