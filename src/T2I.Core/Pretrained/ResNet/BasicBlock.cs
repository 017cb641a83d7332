using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Pretrained.ResNet;

/// <summary>
/// ResNet-18's block: two 3×3 ConvBn with a residual; a strided 1×1 ConvBn projects the shortcut when the shape changes.
/// </summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    private readonly ConvBn conv1;
    private readonly ConvBn conv2;
    private readonly ConvBn? downsample;

    public BasicBlock(long inChannels, long outChannels, long stride) : base(nameof(BasicBlock))
    {
        conv1 = ConvBn.Same(inChannels, outChannels, 3, stride);
        conv2 = ConvBn.Same(outChannels, outChannels, 3, 1);
        if (stride != 1 || inChannels != outChannels) downsample = ConvBn.Same(inChannels, outChannels, 1, stride);
        RegisterComponents();
    }

    /// <summary>In the export's order: the shortcut's projection comes before the main path.</summary>
    public IEnumerable<ConvBn> Units()
    {
        if (downsample is not null) yield return downsample;
        yield return conv1;
        yield return conv2;
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var shortcut = downsample is null ? x : downsample.forward(x);
        var y = conv2.forward(nn.functional.relu(conv1.forward(x)));
        return nn.functional.relu(y + shortcut).MoveToOuterDisposeScope();
    }
}
