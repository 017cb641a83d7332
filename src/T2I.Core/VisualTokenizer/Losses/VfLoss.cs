using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer.Losses;

/// <summary>The two margins of the VF loss, measured on one batch.</summary>
public sealed record VfTerms(Tensor MarginalCosine, Tensor MarginalDistanceMatrix)
{
    public Tensor Sum => MarginalCosine.Plus(MarginalDistanceMatrix);
}

/// <summary>
/// The vision-foundation alignment loss of VA-VAE, which VFM-VAE keeps (§3.4): with z projected to the VFM's width,
/// L_mcos = mean over positions of ReLU(1 − m₁ − cos(z′_ij, f_ij)) pulls each latent towards its VFM feature, and
/// L_mdms = mean over position pairs of ReLU(|cos(z′_i, z′_j) − cos(f_i, f_j)| − m₂) keeps the features' internal
/// similarity structure. The margins (m₁ = 0.5, m₂ = 0.25) leave the latent room to hold what reconstruction needs.
/// </summary>
public static class VfLoss
{
    public const double CosineMargin = 0.5, DistanceMargin = 0.25;

    /// <param name="projected">z′ [N, C, h, w].</param>
    /// <param name="features">VFM features [N, C, h, w] (detached: the VFM is frozen).</param>
    public static VfTerms Compute(Tensor projected, Tensor features, double cosineMargin = CosineMargin,
        double distanceMargin = DistanceMargin)
    {
        if (!projected.shape.SequenceEqual(features.shape))
            throw new ArgumentException($"VF loss needs equal shapes, got [{string.Join(",", projected.shape)}] and " +
                $"[{string.Join(",", features.shape)}].");
        var z = nn.functional.normalize(projected.flatten(2), p: 2, dim: 1); // [N, C, L]
        var f = nn.functional.normalize(features.detach().flatten(2), p: 2, dim: 1);
        var cosine = (z * f).sum(1); // [N, L]
        var mcos = nn.functional.relu(cosine.neg().Plus(1 - cosineMargin)).mean();
        var zz = z.transpose(1, 2).bmm(z); // [N, L, L]
        var ff = f.transpose(1, 2).bmm(f);
        var mdms = nn.functional.relu((zz - ff).abs().Minus(distanceMargin)).mean();
        return new VfTerms(mcos, mdms);
    }
}
