using T2I.Core.Eval;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Eval;

public class CknnaTests
{
    private static Tensor Features(int seed, long n = 200, long d = 16) =>
        // Clustered features so neighbourhoods are meaningful, as for real latents.
        (randn(new long[] { n, d }, generator: new Generator((ulong)seed)) +
         3 * randn(new long[] { 8, d }, generator: new Generator((ulong)seed + 100)).repeat(n / 8, 1));

    [Fact]
    public void IdenticalFeaturesAlignPerfectly()
    {
        using var scope = NewDisposeScope();
        var a = Features(1);
        Assert.Equal(1.0, Cknna.Compute(a, a.clone()), 6);
    }

    [Fact]
    public void AnOrthogonalRotationAlignsPerfectly()
    {
        using var scope = NewDisposeScope();
        var a = Features(2);
        var (q, _) = linalg.qr(randn(new long[] { 16, 16 }, generator: new Generator(9)));
        // Latents [N, C, h, w] whose spatial mean is the rotated features: pooling happens inside.
        var rotated = a.matmul(q).reshape(200, 16, 1, 1).expand(200, 16, 2, 2);
        Assert.Equal(1.0, Cknna.Compute(a, rotated), 4);
    }

    [Fact]
    public void IndependentFeaturesScoreNearZero()
    {
        using var scope = NewDisposeScope();
        // Shuffle the second set so cluster membership (i mod 8) is unrelated too.
        var b = Features(4).index_select(0, randperm(200, generator: new Generator(12)));
        double v = Cknna.Compute(Features(3), b);
        Assert.InRange(v, -0.1, 0.1);
    }

    [Fact]
    public void AlignmentFallsAsNoiseIsAdded()
    {
        using var scope = NewDisposeScope();
        var a = Features(5);
        var noise = randn(a.shape, generator: new Generator(6));
        double previous = 1.0 + 1e-9;
        foreach (double level in new[] { 0.3, 1.0, 3.0, 10.0 })
        {
            double v = Cknna.Compute(a, a + level * noise);
            Assert.True(v < previous, $"CKNNA at noise {level} = {v}, previous {previous}");
            previous = v;
        }
        Assert.True(previous < 0.3, $"heavily noised features still score {previous}");
    }

    [Fact]
    public void SeCknnaAveragesTwelvePerturbations()
    {
        using var scope = NewDisposeScope();
        var images = rand(new long[] { 40, 3, 16, 24 }, generator: new Generator(8)) * 2 - 1;
        var shapes = new List<long[]>();
        Tensor Encode(Tensor x) { shapes.Add(x.shape); return nn.functional.avg_pool2d(x, 4).flatten(1); }
        var (q, _) = linalg.qr(randn(new long[] { 72, 72 }, generator: new Generator(9)));
        // Rotated-feature encoder: same neighbourhoods under every perturbation → 1.
        var same = SeCknna.Compute(images, Encode, x => nn.functional.avg_pool2d(x, 4).flatten(1).matmul(q), k: 5);
        Assert.Equal(12, same.Terms.Count);
        Assert.All(same.Terms, t => Assert.Equal(1.0, t.Cknna, 4));
        Assert.Contains(shapes, s => s[2] == 24 && s[3] == 16); // quarter turns reached the encoder
        // An encoder that ignores its input is unrelated to the image encoder under every perturbation.
        var unrelated = rand(new long[] { 40, 8 }, generator: new Generator(10));
        var none = SeCknna.Compute(images, Encode, _ => unrelated, k: 5);
        Assert.InRange(none.Mean, -0.15, 0.15);
    }
}
