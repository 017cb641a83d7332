using T2I.Core.VisualTokenizer;
using T2I.Core.VisualTokenizer.Baseline;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.VisualTokenizer.Baseline;

public class KlVaeTests
{
    /// <summary>f = 16 with small widths: fast enough for many shapes.</summary>
    private static readonly KlVaeConfig Micro = new(new DecoderConfig(4, 8, new[] { 1, 1, 1, 2, 2 }, 1, new[] { 4 }, NormGroups: 4));

    [Fact]
    public void TinyBaselineHasTheAlignedTokenizersLatentShape()
    {
        Assert.Equal(AlignedTokenizerConfig.Tiny.LatentChannels, KlVaeConfig.Tiny.LatentChannels);
        Assert.Equal(AlignedTokenizerConfig.Downsampling, KlVaeConfig.Tiny.Downsampling);
        Assert.Equal(32, KlVaeConfig.Paper.LatentChannels);
        Assert.Equal(16, KlVaeConfig.Paper.Downsampling);
    }

    [Theory]
    [InlineData(64, 64)]
    [InlineData(80, 48)]
    [InlineData(96, 128)]
    [InlineData(256, 256)]
    public void EncodesEveryBucketToOneLatentPer16PixelsAndDecodesBack(int width, int height)
    {
        manual_seed(1);
        using var vae = new KlVae(Micro);
        using var images = rand(2, 3, height, width) * 2 - 1;
        using var posterior = vae.Posterior(images);
        Assert.Equal(new long[] { 2, 4, height / 16, width / 16 }, posterior.Mean.shape);
        Assert.Equal(posterior.Mean.shape, posterior.LogVariance.shape);
        using var latents = vae.Encode(images);
        Assert.True(latents.eq(posterior.Mean).all().item<bool>(), "Encode is the posterior mean");
        using var decoded = vae.Decode(latents);
        Assert.Equal(new long[] { 2, 3, height, width }, decoded.shape);
        Assert.True(decoded.isfinite().all().item<bool>());
    }

    [Fact]
    public void RejectsImagesAndLatentsOfTheWrongShape()
    {
        using var vae = new KlVae(Micro);
        Assert.Throws<ArgumentException>(() => vae.Posterior(zeros(1, 3, 40, 64)));
        Assert.Throws<ArgumentException>(() => vae.Posterior(zeros(1, 1, 64, 64)));
        Assert.Throws<ArgumentException>(() => vae.Decode(zeros(1, 3, 4, 4)));
    }

    [Fact]
    public void ParameterCountByFormulaMatchesTheBuiltModel()
    {
        foreach (var config in new[] { Micro, KlVaeConfig.Tiny })
        {
            using var vae = new KlVae(config);
            Assert.Equal(vae.parameters().Sum(p => p.numel()), config.ParameterCount());
        }
    }

    [Fact]
    public void KlMatchesAHandComputationAndLogVarianceIsClamped()
    {
        // Moments [2 samples, 2d = 2, 1, 2]: sample 0 μ = (0.5, −1), log σ² = (0, 0.2); sample 1 μ = (2, 0), log σ² = (−0.7, 40 → 20).
        var moments = tensor(new float[] { 0.5f, -1f, 0f, 0.2f, 2f, 0f, -0.7f, 40f }, new long[] { 2, 2, 1, 2 });
        using var posterior = new DiagonalGaussian(moments);
        var kl = posterior.Kl().to_type(ScalarType.Float64).data<double>().ToArray();
        static double Term(double mu, double logVar) => 0.5 * (mu * mu + Math.Exp(logVar) - 1 - logVar);
        Assert.Equal(Term(0.5, 0) + Term(-1, 0.2), kl[0], 1e-5);
        double expected = Term(2, -0.7) + Term(0, 20);
        Assert.True(Math.Abs(kl[1] - expected) < 1e-5 * expected, $"{kl[1]} vs {expected}");
        Assert.Equal(20f, posterior.LogVariance.max().item<float>());
    }

    [Fact]
    public void SamplesAreReparameterisedAroundTheMean()
    {
        var moments = zeros(1, 2, 8, 8);
        moments[0, 0] = full(8, 8, 3f);
        moments[0, 1] = full(8, 8, (float)Math.Log(0.25)); // σ = 0.5
        moments.requires_grad = true;
        using var posterior = new DiagonalGaussian(moments);
        var sample = posterior.Sample(new Generator(7));
        Assert.Equal(3.0, sample.mean().item<float>(), 0.2);
        Assert.Equal(0.5, sample.std().item<float>(), 0.15);
        sample.sum().backward();
        Assert.True(moments.grad!.abs().sum().item<float>() > 0, "gradients reach μ and log σ²");
    }

    [Fact]
    public void AFewStepsLowerTheReconstructionPlusKlLoss()
    {
        manual_seed(3);
        using var vae = new KlVae(Micro);
        // Four flat-coloured 32×32 images: easy to reconstruct, so a few Adam steps must show progress.
        var images = cat(new[] { -0.8f, -0.2f, 0.3f, 0.9f }.Select(v => full(1, 3, 32, 32, v)).ToArray());
        var optimizer = optim.Adam(vae.parameters(), 3e-3);
        double Loss(bool step)
        {
            using var scope = NewDisposeScope();
            using var posterior = vae.Posterior(images);
            var reconstruction = vae.Decode(posterior.Sample(new Generator(11)));
            var loss = (reconstruction - images).abs().mean() + 1e-6 * posterior.Kl().mean() / (3 * 32 * 32);
            if (step) { optimizer.zero_grad(); loss.backward(); optimizer.step(); }
            return loss.item<float>();
        }
        double first = Loss(step: false);
        for (int i = 0; i < 25; i++) Loss(step: true);
        double last = Loss(step: false);
        Assert.True(last < 0.7 * first, $"loss {first:0.000} → {last:0.000}");
    }

    [Fact]
    public void ConfigRoundTripsThroughJsonWithItsKind()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(KlVaeConfig.Tiny.ToJson())!;
        Assert.Equal("kl-vae", json["kind"]!.GetValue<string>());
        Assert.Equal(KlVaeConfig.Tiny, KlVaeConfig.FromJson(json));
        json["kind"] = "aligned";
        Assert.Throws<InvalidDataException>(() => KlVaeConfig.FromJson(json));
    }

    [Fact]
    public void AnAlignedTokenizerLoaderRefusesAKlVaeConfigByName()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(KlVaeConfig.Tiny.ToJson())!;
        var error = Assert.Throws<InvalidDataException>(() => T2I.Core.VisualTokenizer.AlignedTokenizerConfig.FromJson(json));
        Assert.Contains("'kl-vae' model, not an aligned tokenizer", error.Message);
    }
}
