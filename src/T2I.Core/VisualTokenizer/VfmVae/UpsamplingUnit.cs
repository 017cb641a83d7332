using TorchSharp;
using TorchSharp.Modules;
using T2I.Core.Nn;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>
/// The upsampling module of App. B.2 (after StyleGAN-T's): GroupNorm, 3×3 depthwise and 1×1 point-wise convolutions,
/// PixelShuffle ×2, then a fixed [1, 2, 1]⊗[1, 2, 1]/16 blur against checkerboard artefacts. It doubles the resolution
/// between blocks and, a second copy per block, in the path that feeds ToRGB.
/// </summary>
public sealed class UpsamplingUnit : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm norm;
    private readonly Conv2d dwconv;
    private readonly Conv2d pwconv;
#pragma warning disable IDE1006 // state-dict key
    private readonly Tensor blur_kernel;
#pragma warning restore IDE1006
    private readonly int outChannels;

    public UpsamplingUnit(int inChannels, int outChannels, int groups) : base(nameof(UpsamplingUnit))
    {
        this.outChannels = outChannels;
        norm = GroupNorms.Create(groups, inChannels);
        dwconv = nn.Conv2d(inChannels, inChannels, 3, padding: 1, groups: inChannels);
        pwconv = nn.Conv2d(inChannels, 4 * outChannels, 1);
        using var k1 = tensor(new float[] { 1, 2, 1 });
        blur_kernel = k1.outer(k1).div(16).view(1, 1, 3, 3).expand(outChannels, 1, 3, 3).contiguous();
        register_buffer(nameof(blur_kernel), blur_kernel, persistent: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.pixel_shuffle(pwconv.forward(dwconv.forward(norm.forward(x))), 2);
        h = nn.functional.pad(h, new long[] { 1, 1, 1, 1 }, PaddingModes.Replicate);
        return nn.functional.conv2d(h, blur_kernel.to(h.dtype), groups: outChannels).MoveToOuterDisposeScope();
    }
}
