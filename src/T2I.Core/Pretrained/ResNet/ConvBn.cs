using TorchSharp;
using TorchSharp.Modules;
using T2I.Core.TorchSharpFixes;
using static TorchSharp.torch;

namespace T2I.Core.Pretrained.ResNet;

/// <summary>
/// Convolution without bias, then batch norm: ResNet's unit. Padding is explicit per side because the CNTK export
/// pads stride-2 convolutions on the top and left only (ONNX pads [1,1,0,0]); symmetric padding would shift every
/// feature map by one pixel against the pretrained weights.
/// </summary>
public sealed class ConvBn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;

    /// <summary>Top, left, bottom, right (ONNX's begin/end order).</summary>
    public (long Top, long Left, long Bottom, long Right) Pads { get; }

    public long Stride { get; }

    public ConvBn(long inChannels, long outChannels, long kernel, long stride, (long, long, long, long) pads)
        : base(nameof(ConvBn))
    {
        conv = nn.Conv2d(inChannels, outChannels, kernel, stride: stride, bias: false);
        bn = nn.BatchNorm2d(outChannels, eps: 1e-5);
        Pads = pads;
        Stride = stride;
        RegisterComponents();
    }

    /// <summary>
    /// CNTK's "same" padding: kernel − stride pixels in all, the extra one at the beginning, which is what every
    /// convolution of the export states (7×7/2: 3,3,2,2; 3×3/1: 1,1,1,1; 3×3/2: 1,1,0,0; 1×1/2: none).
    /// </summary>
    public static ConvBn Same(long inChannels, long outChannels, long kernel, long stride)
    {
        long total = Math.Max(0, kernel - stride), begin = (total + 1) / 2, end = total / 2;
        return new ConvBn(inChannels, outChannels, kernel, stride, (begin, begin, end, end));
    }

    public Conv2d Conv => conv;
    public BatchNorm2d Norm => bn;

    public override Tensor forward(Tensor x)
    {
        var (top, left, bottom, right) = Pads;
        using var padded = top + left + bottom + right == 0 ? x.alias() : nn.functional.pad(x, new[] { left, right, top, bottom });
        return bn.forward(OneDnnConv2d.Forward(conv, padded));
    }
}
