using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.Baseline;

/// <summary>LDM Downsample with_conv: pad one pixel right and bottom, then a 3×3 <c>conv</c> of stride 2 (exact halving).</summary>
public sealed class Downsample : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;

    public Downsample(int channels) : base(nameof(Downsample))
    {
        conv = nn.Conv2d(channels, channels, 3, stride: 2); // padding 0: forward pads right and bottom itself
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => conv.forward(nn.functional.pad(x, new long[] { 0, 1, 0, 1 }));
}
