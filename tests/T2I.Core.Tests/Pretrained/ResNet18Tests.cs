using T2I.Core.Pretrained;
using Xunit.Abstractions;
using T2I.Core.Pretrained.Onnx;
using T2I.Core.Pretrained.ResNet;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Pretrained;

public sealed class ResNet18Tests(ITestOutputHelper output)
{
    /// <summary>A smooth image with edges (what a photo has), not noise, so the check exercises real feature paths.</summary>
    private static Tensor TestImage(int size)
    {
        var y = linspace(0, 1, size).view(1, 1, size, 1).expand(1, 1, size, size);
        var x = linspace(0, 1, size).view(1, 1, 1, size).expand(1, 1, size, size);
        var disc = ((x - 0.4f).square() + (y - 0.55f).square() < 0.06f).to(float32);
        return cat(new[] { x * 0.8f + disc * 0.2f, (y * 6).sin() * 0.5f + 0.5f, disc * 0.9f + 0.05f }, dim: 1).clamp(0, 1);
    }

    private static float[] RunOnnx(string path, string input, Tensor value) =>
        OnnxReference.Run(File.ReadAllBytes(path),
            new OnnxReference.Input(input, value.shape.Select(d => (int)d).ToArray(), value.contiguous().data<float>().ToArray()))
            .Single().Value;

    [Fact]
    public void PooledFeaturesEqualOnnxRuntimeOnThePackagesOwnPreprocessing()
    {
        using var scope = NewDisposeScope();
        var rgb = TestImage(224);
        var preprocessed = RunOnnx(PretrainedPackages.ResNetPreprocessOnnx, "OriginalInput", rgb * 255f);
        var expected = RunOnnx(PretrainedPackages.ResNet18Onnx, "Input247", tensor(preprocessed, rgb.shape));

        using var model = ResNet18Weights.FromPackage();
        using var preprocess = ResNetPreprocess.FromPackage();
        var input = preprocess.Apply(rgb);
        Tensor actual;
        using (no_grad()) actual = model.forward(input).flatten();

        var ours = input.flatten().data<float>().ToArray();
        Assert.Equal(preprocessed.Length, ours.Length);
        Assert.True(preprocessed.Zip(ours).Max(p => Math.Abs(p.First - p.Second)) < 1e-3f, "preprocessing differs");
        var scale = expected.Max(Math.Abs);
        var worst = expected.Zip(actual.data<float>().ToArray()).Max(p => Math.Abs(p.First - p.Second));
        output.WriteLine($"ResNet-18 vs ONNX Runtime: largest difference {worst:g3}, feature scale {scale:g3}");
        Assert.True(scale > 0.1f, $"features are degenerate (max {scale})");
        // float32 with different convolution algorithms: agreement to 1e-4 of the largest feature.
        Assert.True(worst <= 1e-4f * scale, $"largest difference {worst} against feature scale {scale}");
    }

    [Fact]
    public void StagesHaveTheResNetStridesAndChannelsAtAnySize()
    {
        using var scope = NewDisposeScope();
        using var model = new ResNet18();
        model.eval();
        Tensor[] stages;
        using (no_grad()) stages = model.Stages(randn(2, 3, 64, 96), lastStage: 4);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(new long[] { 2, ResNet18.StageChannels[i], 64 / ResNet18.StageStrides[i], 96 / ResNet18.StageStrides[i] },
                stages[i].shape);
        }
    }

    [Fact]
    public void AGraphOfAnotherShapeIsRefusedNamingTheNode()
    {
        var graph = OnnxGraph.Load(PretrainedPackages.ResNet18Onnx);
        var truncated = new OnnxGraph
        {
            Nodes = graph.Nodes.Where(n => n.Name != "Convolution387").ToArray(),
            Initializers = graph.Initializers,
            Inputs = graph.Inputs,
            Outputs = graph.Outputs,
        };
        var error = Assert.Throws<InvalidDataException>(() => ResNet18Weights.Load(truncated));
        Assert.Contains("21 convolutions", error.Message);
    }
}
