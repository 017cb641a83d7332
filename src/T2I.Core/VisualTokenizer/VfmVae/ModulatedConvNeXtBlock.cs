using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>
/// Eq. 5, B(h, z_g) = ModConv(h, γ(z_g)) + h: a ConvNeXt block (7×7 depthwise, LayerNorm over channels, 1×1 expand ×4,
/// GELU, 1×1 back) whose first point-wise convolution — the channel mixing — is modulated by the global style.
/// </summary>
public sealed class ModulatedConvNeXtBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Conv2d dwconv;
    private readonly LayerNorm norm;
    private readonly ModulatedPointwiseConv pwconv1;
    private readonly Conv2d pwconv2;

    public ModulatedConvNeXtBlock(int channels, int styleDim, int expansion = 4) : base(nameof(ModulatedConvNeXtBlock))
    {
        dwconv = nn.Conv2d(channels, channels, 7, padding: 3, groups: channels);
        norm = nn.LayerNorm(channels, eps: 1e-6);
        pwconv1 = new ModulatedPointwiseConv(channels, expansion * channels, styleDim);
        pwconv2 = nn.Conv2d(expansion * channels, channels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor h, Tensor style)
    {
        using var scope = NewDisposeScope();
        var x = dwconv.forward(h);
        x = norm.forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2);
        x = pwconv2.forward(nn.functional.gelu(pwconv1.forward(x, style)));
        return x.Plus(h).MoveToOuterDisposeScope();
    }
}
