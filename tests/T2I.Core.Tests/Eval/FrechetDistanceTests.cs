using T2I.Core.Eval;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Eval;

public class FrechetDistanceTests
{
    private static FeatureStatistics Stats(double[] mean, double[,] cov)
    {
        int d = mean.Length;
        var flat = new double[d * d];
        for (int i = 0; i < d; i++) for (int j = 0; j < d; j++) flat[i * d + j] = cov[i, j];
        return new FeatureStatistics(tensor(mean), tensor(flat).view(d, d), 1000);
    }

    [Fact]
    public void DiagonalGaussiansMatchTheClosedForm()
    {
        // ‖Δμ‖² + Σ (√a − √b)² = (1 + 0 + 4) + (2 − 1)² + (1 − 2)² + (3 − 1)² = 11
        var a = Stats([1, 2, 3], new double[,] { { 4, 0, 0 }, { 0, 1, 0 }, { 0, 0, 9 } });
        var b = Stats([0, 2, 5], new double[,] { { 1, 0, 0 }, { 0, 4, 0 }, { 0, 0, 1 } });
        Assert.Equal(11.0, FrechetDistance.Compute(a, b), 9);
        Assert.Equal(0.0, FrechetDistance.Compute(a, a), 9);
    }

    [Fact]
    public void NonCommutingCovariancesMatchTheTwoByTwoClosedForm()
    {
        // For 2×2 PSD M: Tr √M = √(Tr M + 2√det M); here M ~ Σ₁Σ₂, so Tr(Σ₁^½Σ₂Σ₁^½)^½ = √(Tr Σ₁Σ₂ + 2√(det Σ₁ det Σ₂)).
        double[,] s1 = { { 2, 0.8 }, { 0.8, 1 } }, s2 = { { 1, -0.3 }, { -0.3, 3 } };
        double trProd = s1[0, 0] * s2[0, 0] + s1[0, 1] * s2[1, 0] + s1[1, 0] * s2[0, 1] + s1[1, 1] * s2[1, 1];
        double det1 = s1[0, 0] * s1[1, 1] - s1[0, 1] * s1[1, 0], det2 = s2[0, 0] * s2[1, 1] - s2[0, 1] * s2[1, 0];
        double expected = (0.5 * 0.5 + 1.5 * 1.5) + (2 + 1) + (1 + 3) - 2 * Math.Sqrt(trProd + 2 * Math.Sqrt(det1 * det2));
        double d = FrechetDistance.Compute(Stats([0.5, -1], s1), Stats([0, 0.5], s2));
        Assert.Equal(expected, d, 9);
        Assert.Equal(d, FrechetDistance.Compute(Stats([0, 0.5], s2), Stats([0.5, -1], s1)), 9); // symmetric
    }

    [Fact]
    public void SampledFeaturesApproachTheDistanceOfTheirGaussiansAndIdenticalSetsGiveZero()
    {
        var g = new Generator(11);
        var lower = tensor(new double[] { 1, 0, 0, 0.5, 0.7, 0, -0.3, 0.2, 0.4 }).view(3, 3);
        var a = randn(40_000, 3, ScalarType.Float64, generator: g);
        var b = randn(40_000, 3, ScalarType.Float64, generator: g).matmul(lower.t()) + tensor(new double[] { 1, 0, -1 });
        // Closed form: N(0, I) vs N(μ, LLᵀ): ‖μ‖² + 3 + Tr LLᵀ − 2 Tr (LLᵀ)^½.
        var cov = lower.matmul(lower.t());
        double expected = 2 + 3 + cov.trace().item<double>() - 2 * FrechetDistance.SymmetricSqrt(cov).trace().item<double>();
        Assert.Equal(expected, FrechetDistance.Compute(a, b), 1);
        Assert.Equal(0.0, FrechetDistance.Compute(b, b), 6);
        Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(a, randn(10, 4)));
        Assert.Throws<ArgumentException>(() => FeatureStatistics.From(randn(1, 3)));
    }
}
