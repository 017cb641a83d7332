using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Eval;

/// <summary>Mean and (unbiased) covariance of a feature set, float64.</summary>
public sealed record FeatureStatistics(Tensor Mean, Tensor Covariance, long Count)
{
    /// <summary>From features [N, D] (N ≥ 2).</summary>
    public static FeatureStatistics From(Tensor features)
    {
        if (features.dim() != 2 || features.shape[0] < 2)
            throw new ArgumentException($"Need features [N ≥ 2, D], got [{string.Join(", ", features.shape)}].", nameof(features));
        using var scope = NewDisposeScope();
        var f = features.detach().to(ScalarType.Float64).cpu();
        var mean = f.mean([0]);
        var centred = f - mean;
        var cov = centred.t().matmul(centred).DividedBy(f.shape[0] - 1);
        return new FeatureStatistics(mean.MoveToOuterDisposeScope(), cov.MoveToOuterDisposeScope(), f.shape[0]);
    }
}

/// <summary>
/// Fréchet distance between Gaussians fitted to two feature sets:
/// d² = ‖μ₁ − μ₂‖² + Tr Σ₁ + Tr Σ₂ − 2 Tr (Σ₁^½ Σ₂ Σ₁^½)^½.
/// Both square roots come from symmetric eigendecompositions (Σ₁^½ Σ₂ Σ₁^½ is symmetric PSD, so its trace
/// square root is the sum of the square roots of its eigenvalues), negative round-off eigenvalues clipped to 0.
/// Over Inception-v3 pool features this is FID; over DINOv2 ViT-L/14 features it is FD_DINOv2 (Stein et al. 2023).
/// </summary>
public static class FrechetDistance
{
    public static double Compute(FeatureStatistics a, FeatureStatistics b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.Mean.shape.SequenceEqual(b.Mean.shape))
            throw new ArgumentException($"Feature sizes differ: {a.Mean.shape[0]} vs {b.Mean.shape[0]}.");
        using var scope = NewDisposeScope();
        var diff = a.Mean - b.Mean;
        var rootA = SymmetricSqrt(a.Covariance);
        var m = rootA.matmul(b.Covariance).matmul(rootA);
        var traceRoot = linalg.eigvalsh(m.Plus(m.t()).DividedBy(2)).ClampMin(0L).sqrt().sum();
        double d = diff.dot(diff).item<double>() + a.Covariance.trace().item<double>() + b.Covariance.trace().item<double>()
                   - 2 * traceRoot.item<double>();
        return Math.Max(0, d);
    }

    /// <summary>FD between two feature sets [N, D] and [M, D].</summary>
    public static double Compute(Tensor featuresA, Tensor featuresB) =>
        Compute(FeatureStatistics.From(featuresA), FeatureStatistics.From(featuresB));

    /// <summary>Σ^½ of a symmetric PSD matrix: V diag(√max(λ, 0)) Vᵀ.</summary>
    public static Tensor SymmetricSqrt(Tensor symmetric)
    {
        using var scope = NewDisposeScope();
        var (values, vectors) = linalg.eigh(symmetric.Plus(symmetric.t()).DividedBy(2));
        return (vectors * values.ClampMin(0L).sqrt().unsqueeze(0)).matmul(vectors.t()).MoveToOuterDisposeScope();
    }
}
