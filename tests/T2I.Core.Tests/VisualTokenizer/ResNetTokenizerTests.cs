using T2I.Core.Pretrained.ResNet;
using T2I.Core.VisualTokenizer;
using T2I.Core.TorchSharpFixes;
using static TorchSharp.torch;

namespace T2I.Core.Tests.VisualTokenizer;

public sealed class ResNetTokenizerTests
{
    private static AlignedTokenizerConfig Small(int stage) =>
        AlignedTokenizerConfig.ResNetSmall with { ResNet = new ResNetEncoderConfig(stage), AdapterHidden = 32 };

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void EncodesToTheF16GridAndDecodesBackAtAnyAspect(int stage)
    {
        using var scope = NewDisposeScope();
        using var tokenizer = new AlignedTokenizer(Small(stage));
        tokenizer.eval();
        using var noGrad = no_grad();
        var latents = tokenizer.Encode(rand(2, 3, 64, 96).Times(2).Minus(1));
        Assert.Equal(new long[] { 2, 32, 4, 6 }, latents.shape);
        Assert.Equal(new long[] { 2, 3, 64, 96 }, tokenizer.Decode(latents).shape);
        Assert.Equal(new long[] { 1, ResNet18.StageChannels[stage - 1], 4, 6 },
            tokenizer.EncoderFeatures(zeros(1, 3, 64, 96)).shape);
    }

    [Fact]
    public void ConfigRoundTripsThroughJsonAndNamesExactlyOneEncoder()
    {
        var config = Small(2);
        var back = AlignedTokenizerConfig.FromJson(config.ToJson());
        Assert.Equal(config.ResNet, back.ResNet);
        Assert.Null(back.Encoder);
        Assert.Equal(128, back.EncoderWidth);
        Assert.Throws<ArgumentException>(() => (config with { Encoder = VisionTransformerConfig.Tiny }).Validate());
        Assert.Throws<ArgumentException>(() => (config with { ResNet = null }).Validate());
    }

    [Fact]
    public void FlopCountMatchesTheModulesWeightShapes()
    {
        using var encoder = new ResNetPatchEncoder(new ResNetEncoderConfig(4));
        using var resnet = new ResNet18();
        // Independent count: each unit's real weight (k·k·cin·cout) times its output cells (stem: stride 2; stage k: its stride).
        int h = 3, w = 5;
        double pixels = h * 32.0 * w * 32.0, macs = resnet.Stem.Conv.weight!.numel() * pixels / 4;
        for (int k = 1; k <= 4; k++)
        {
            long s = ResNet18.StageStrides[k - 1];
            macs += resnet.StageUnits(k).Sum(u => (double)u.Conv.weight!.numel()) * pixels / (s * s);
        }
        Assert.Equal((long)(2 * macs), encoder.ForwardFlops(h, w));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void ParameterCountIsTheModulesUpToTheStage(int stage)
    {
        using var resnet = new ResNet18();
        long expected = resnet.Stem.parameters().Sum(p => p.numel())
            + Enumerable.Range(1, stage).SelectMany(resnet.StageUnits).Sum(u => u.parameters().Sum(p => p.numel()));
        Assert.Equal(expected, new ResNetEncoderConfig(stage).ParameterCount());
    }

    [Fact]
    public void BatchNormKeepsItsPretrainedStatisticsWhileTheEncoderTrains()
    {
        using var scope = NewDisposeScope();
        using var encoder = new ResNetPatchEncoder(new ResNetEncoderConfig(2));
        encoder.train();
        Assert.All(encoder.modules().OfType<TorchSharp.Modules.BatchNorm2d>(), m => Assert.False(m.training));
        var before = encoder.state_dict().Where(kv => kv.Key.EndsWith("running_mean")).Select(kv => kv.Value.clone()).ToList();
        encoder.PatchFeatures(randn(4, 3, 32, 32).Times(50)).sum().backward();
        var after = encoder.state_dict().Where(kv => kv.Key.EndsWith("running_mean")).Select(kv => kv.Value).ToList();
        Assert.NotEmpty(before);
        Assert.All(before.Zip(after), p => Assert.True(p.First.allclose(p.Second, rtol: 0, atol: 0)));
        Assert.True(encoder.training);
        Assert.NotNull(encoder.LastLayerWeight.grad);
    }

    [Fact]
    public void PretrainedEncoderFeaturesAreTheImageNetResNetsStageOutput()
    {
        using var scope = NewDisposeScope();
        using var encoder = new ResNetPatchEncoder(new ResNetEncoderConfig(3));
        encoder.LoadPretrained();
        encoder.eval();
        using var reference = ResNet18Weights.FromPackage();
        using var preprocess = ResNetPreprocess.FromPackage();
        var image = rand(1, 3, 64, 64);
        using var noGrad = no_grad();
        var expected = reference.Stages(preprocess.Apply(image), 3)[^1];
        var actual = encoder.PatchFeatures(encoder.Normalize(image));
        Assert.True(expected.allclose(actual, rtol: 0, atol: 1e-5), "encoder features differ from ResNet-18 layer3");
        Assert.True(actual.abs().max().item<float>() > 0.1f);
    }
}
