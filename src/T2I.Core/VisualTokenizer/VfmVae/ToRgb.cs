using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>ToRGB_i: a modulated 1×1 convolution to three channels, not demodulated (as StyleGAN's output layers).</summary>
public sealed class ToRgb : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly ModulatedPointwiseConv conv;

    public ToRgb(int channels, int styleDim) : base(nameof(ToRgb))
    {
        conv = new ModulatedPointwiseConv(channels, 3, styleDim, demodulate: false);
        RegisterComponents();
    }

    /// <summary>The layer the adaptive GAN weight is measured at, for the last scale.</summary>
    public Parameter Weight => conv.Weight;

    public override Tensor forward(Tensor h, Tensor style) => conv.forward(h, style);
}
