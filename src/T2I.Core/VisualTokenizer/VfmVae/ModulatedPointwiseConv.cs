using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>
/// A 1×1 modulated convolution (StyleGAN2, as StyleGAN-T uses it): a learned affine γ maps the style vector to one scale
/// per input channel, the scales multiply the weight's columns per sample, and — unless it feeds ToRGB — each output row is
/// demodulated to unit norm. Applied as one batched matrix product over the pixels.
/// </summary>
public sealed class ModulatedPointwiseConv : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear affine;
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly bool demodulate;

    public ModulatedPointwiseConv(int inChannels, int outChannels, int styleDim, bool demodulate = true)
        : base(nameof(ModulatedPointwiseConv))
    {
        affine = nn.Linear(styleDim, inChannels);
        weight = new Parameter(randn(outChannels, inChannels).DividedBy(Math.Sqrt(inChannels)));
        bias = new Parameter(zeros(outChannels));
        this.demodulate = demodulate;
        RegisterComponents();
        using var noGrad = no_grad();
        affine.bias!.FillWith(1.0); // styles start as the identity scale
    }

    public Parameter Weight => weight;

    /// <param name="x">[N, in, H, W].</param>
    /// <param name="style">[N, style_dim].</param>
    public override Tensor forward(Tensor x, Tensor style)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        var w0 = weight.unsqueeze(0) * affine.forward(style).unsqueeze(1); // [N, out, in]
        if (demodulate) w0 = w0 * w0.Square().sum(2, keepdim: true).Plus(1e-8).rsqrt();
        var y = w0.bmm(x.reshape(n, x.shape[1], h * w)).Plus(bias.view(1, -1, 1));
        return y.view(n, -1, h, w).MoveToOuterDisposeScope();
    }
}
