using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.Pretrained.ResNet;

/// <summary>
/// ImageNet ResNet-18 without its classifier (He et al. 2016), laid out as the CNTK export in
/// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>: a 7×7/2 stem, a 3×3/2 max pool, four stages of two
/// <see cref="BasicBlock"/>s (64, 128, 256, 512 channels; strides 4, 8, 16, 32), global average pooling. The export's
/// last stage has three blocks where torchvision's has two (22 convolutions, counted in the graph); we follow the file.
/// Inputs are what <see cref="ResNetPreprocess"/> makes (BGR, 0–255, mean image subtracted).
/// </summary>
public sealed class ResNet18 : nn.Module<Tensor, Tensor>
{
    public static readonly int[] StageChannels = { 64, 128, 256, 512 };

    /// <summary>Downsampling of each stage's output (stage 1 = layer1).</summary>
    public static readonly int[] StageStrides = { 4, 8, 16, 32 };

    /// <summary>Blocks per stage, as in the export.</summary>
    public static readonly int[] StageBlocks = { 2, 2, 2, 3 };

    private readonly ConvBn stem;
    private readonly ModuleList<BasicBlock> layer1, layer2, layer3, layer4;

    public ResNet18() : base(nameof(ResNet18))
    {
        stem = ConvBn.Same(3, 64, 7, 2);
        layer1 = Stage(64, 64, 1, StageBlocks[0]);
        layer2 = Stage(64, 128, 2, StageBlocks[1]);
        layer3 = Stage(128, 256, 2, StageBlocks[2]);
        layer4 = Stage(256, 512, 2, StageBlocks[3]);
        RegisterComponents();
    }

    private static ModuleList<BasicBlock> Stage(long inChannels, long outChannels, long stride, int blocks) =>
        nn.ModuleList(Enumerable.Range(0, blocks)
            .Select(i => i == 0 ? new BasicBlock(inChannels, outChannels, stride) : new BasicBlock(outChannels, outChannels, 1))
            .ToArray());

    private IEnumerable<ModuleList<BasicBlock>> Layers() => new[] { layer1, layer2, layer3, layer4 };

    public ConvBn Stem => stem;

    /// <summary>The ConvBn units of stage 1–4, in export order.</summary>
    public IEnumerable<ConvBn> StageUnits(int stage) => Layers().ElementAt(stage - 1).SelectMany(b => b.Units());

    /// <summary>Every ConvBn in the order the export lists its convolutions.</summary>
    public IEnumerable<ConvBn> Units() => new[] { stem }.Concat(Enumerable.Range(1, 4).SelectMany(StageUnits));

    /// <summary>Outputs of stages 1..<paramref name="lastStage"/> (1 = layer1, stride 4 … 4 = layer4, stride 32).</summary>
    public Tensor[] Stages(Tensor x, int lastStage = 4)
    {
        if (lastStage is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(lastStage), "ResNet-18 has stages 1–4.");
        using var scope = NewDisposeScope();
        var h = MaxPool(nn.functional.relu(stem.forward(x)));
        var outputs = new List<Tensor>();
        foreach (var layer in Layers().Take(lastStage))
        {
            foreach (var block in layer) h = block.forward(h);
            outputs.Add(h);
        }
        foreach (var o in outputs) o.MoveToOuterDisposeScope();
        return outputs.ToArray();
    }

    /// <summary>The 512-d pooled feature the package's featurizer returns, [N, 512, 1, 1].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return Stages(x)[^1].mean(new long[] { 2, 3 }, keepdim: true).MoveToOuterDisposeScope();
    }

    // 3×3/2 max pool padded on the top and left only, as exported; -inf padding never wins the max.
    private static Tensor MaxPool(Tensor x)
    {
        using var padded = nn.functional.pad(x, new long[] { 1, 0, 1, 0 }, value: double.NegativeInfinity);
        return nn.functional.max_pool2d(padded, 3, 2);
    }
}
