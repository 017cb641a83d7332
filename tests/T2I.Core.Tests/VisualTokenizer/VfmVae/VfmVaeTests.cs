using T2I.Core.VisualTokenizer.Losses;
using T2I.Core.VisualTokenizer.VfmVae;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.VisualTokenizer.VfmVae;

public class VfmVaeTests
{
    /// <summary>f = 16 with small widths on ResNet-18 stages 1–3 (random weights: shapes do not depend on them).</summary>
    public static readonly VfmVaeConfig Micro = new()
    {
        FeatureDims = [4, 4, 8], LatentChannels = 8, DecompressDim = 32, ProjectionHeads = 2, StyleDim = 16,
        BlockChannels = [16, 16, 8, 8, 8, 8], MappedDims = [16, 8, 8, 8], AttentionBlocks = 2, NormGroups = 4,
    };

    [Theory]
    [InlineData(64, 64)]
    [InlineData(80, 48)] // an odd latent grid (3×5): block 1 is padded to halve it, block 2 crops back
    [InlineData(96, 128)]
    public void EncodesEveryBucketToOneLatentPer16PixelsAndDecodesAnImagePerOctave(int width, int height)
    {
        manual_seed(1);
        using var vae = new T2I.Core.VisualTokenizer.VfmVae.VfmVae(Micro);
        using var images = rand(2, 3, height, width) * 2 - 1;
        var encoding = vae.Analyse(images);
        Assert.Equal(new long[] { 2, 8, height / 16, width / 16 }, encoding.Posterior.Mean.shape);
        Assert.Equal(new long[] { 2, 256, height / 16, width / 16 }, encoding.FinalFeatures.shape); // layer3 at stride 16
        using var latents = vae.Encode(images);
        Assert.True(latents.eq(encoding.Posterior.Mean).all().item<bool>(), "Encode is the posterior mean");
        var scales = vae.DecodeScales(latents);
        Assert.Equal(6, scales.Length);
        for (int i = 1; i < scales.Length; i++)
        {
            long side = (long)(height / 16.0 * (1 << i) / 2);
            Assert.Equal(new long[] { 2, 3, side, (long)(width / 16.0 * (1 << i) / 2) }, scales[i].shape);
        }
        Assert.Equal(new long[] { 2, 3, height, width }, vae.Decode(latents).shape);
        Assert.True(scales[^1].isfinite().all().item<bool>());
    }

    [Fact]
    public void TheVfmIsFrozenAndOnlyTheProjectionDecoderAndVfMapTrain()
    {
        using var vae = new T2I.Core.VisualTokenizer.VfmVae.VfmVae(Micro);
        vae.train();
        Assert.All(vae.named_parameters().Where(p => p.name.StartsWith("vfm.")), p => Assert.False(p.parameter.requires_grad, p.name));
        var trainable = vae.TrainableParameters().Select(p => p.Name.Split('.')[0]).Distinct().Order().ToArray();
        Assert.Equal(new[] { "decoder", "encoder", "vf_proj" }, trainable);
        Assert.All(vae.modules().OfType<TorchSharp.Modules.BatchNorm2d>(), bn => Assert.False(bn.training));
        using var images = rand(1, 3, 32, 32) * 2 - 1;
        var before = vae.Vfm.Features(images)[^1];
        var after = vae.Vfm.Features(images)[^1];
        Assert.True(before.eq(after).all().item<bool>(), "the VFM is deterministic in train mode (no batch statistics)");
    }

    [Fact]
    public void ModulationScalesColumnsPerSampleAndDemodulationUndoesAGlobalStyleGain()
    {
        manual_seed(2);
        using var conv = new ModulatedPointwiseConv(6, 5, styleDim: 4);
        using var raw = new ModulatedPointwiseConv(6, 5, styleDim: 4, demodulate: false);
        using var x = randn(2, 6, 3, 3);
        using var style = randn(2, 4);
        using var y = conv.forward(x, style);
        using var other = style.clone();
        other[1].copy_(randn(4)); // change sample 1's style only
        using var y2 = conv.forward(x, other);
        Assert.True(y[0].allclose(y2[0]), "sample 0 ignores sample 1's style");
        Assert.False(y[1].allclose(y2[1]), "sample 1 follows its style");
        // A gain on every channel's scale cancels under demodulation, not without it. The affine is linear plus a bias of 1,
        // so scale the affine's output by making it bias-free first.
        using (no_grad())
        {
            foreach (var m in new[] { conv, raw })
                foreach (var (name, p) in m.named_parameters()) if (name == "affine.bias") p.zero_();
        }
        using var tripled = style * 3;
        Assert.True(conv.forward(x, style).allclose(conv.forward(x, tripled), rtol: 1e-4, atol: 1e-5));
        Assert.False(raw.forward(x, style).allclose(raw.forward(x, tripled), rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void VfLossIsZeroOnAlignedFeaturesAndCountsOnlyWhatExceedsTheMargins()
    {
        manual_seed(3);
        using var f = randn(2, 16, 3, 3);
        var same = VfLoss.Compute(f * 2, f); // cosine 1 everywhere, same similarity structure
        Assert.Equal(0, same.MarginalCosine.item<float>(), 6);
        Assert.Equal(0, same.MarginalDistanceMatrix.item<float>(), 6);
        var opposite = VfLoss.Compute(-f, f); // cosine −1: ReLU(1 − 0.5 + 1) = 1.5; pairwise cosines unchanged
        Assert.Equal(1.5, opposite.MarginalCosine.item<float>(), 5);
        Assert.Equal(0, opposite.MarginalDistanceMatrix.item<float>(), 6);
        using var noise = randn(2, 16, 3, 3);
        var unrelated = VfLoss.Compute(noise, f);
        Assert.True(unrelated.MarginalDistanceMatrix.item<float>() > 0);
        var lenient = VfLoss.Compute(noise, f, cosineMargin: 2, distanceMargin: 2); // margins wider than any cosine gap
        Assert.Equal(0, lenient.Sum.item<float>(), 6);
    }

    [Fact]
    public void MultiResolutionL1ComparesEachScaleWithTheTargetAreaDownsampled()
    {
        using var target = rand(1, 3, 8, 8);
        using var small = nn.functional.avg_pool2d(target, 4); // exactly the area-downsampled target
        var losses = MultiResolutionL1.PerScale([small, target + 0.25], target);
        Assert.Equal(0, losses[0].item<float>(), 6);
        Assert.Equal(0.25, losses[1].item<float>(), 5);
    }

    [Fact]
    public void ConfigRoundTripsThroughJsonAndRejectsAWrongBlockCount()
    {
        string json = Micro.ToJson();
        var back = VfmVaeConfig.FromJson(System.Text.Json.Nodes.JsonNode.Parse(json)!);
        Assert.Equal(json, back.ToJson());
        Assert.Contains("\"kind\": \"vfm-vae\"", json);
        var e = Assert.Throws<ArgumentException>(() => (Micro with { BlockChannels = [16, 16, 8] }).Validate());
        Assert.Contains("block_channels needs 6", e.Message);
        Assert.Equal(6, VfmVaeConfig.SigLip2Paper.Validate().BlockCount);
    }
}
