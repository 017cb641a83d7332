using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer.Baseline;

/// <summary>
/// The KL-VAE posterior q(z|x) = N(μ, diag σ²) from moments [N, 2d, h, w] (first half μ, second half log σ²,
/// clamped to [−30, 20] as in LDM).
/// </summary>
public sealed class DiagonalGaussian : IDisposable
{
    public Tensor Mean { get; }
    public Tensor LogVariance { get; }

    public DiagonalGaussian(Tensor moments)
    {
        if (moments.dim() != 4 || moments.shape[1] % 2 != 0)
            throw new ArgumentException($"Moments must be [N, 2d, h, w], got [{string.Join(",", moments.shape)}].");
        var halves = moments.chunk(2, dim: 1);
        Mean = halves[0];
        LogVariance = halves[1].Clamp(-30.0, 20.0);
    }

    public Tensor Std => LogVariance.Times(0.5).exp();

    /// <summary>Reparameterised sample z = μ + σ·ε (gradients flow to μ and σ).</summary>
    public Tensor Sample(Generator? generator = null) =>
        Mean.Plus(Std * randn(Mean.shape, dtype: Mean.dtype, device: Mean.device, generator: generator));

    /// <summary>KL(q ‖ N(0, I)) per sample: ½·Σ_{c,h,w} (μ² + σ² − 1 − log σ²), shape [N].</summary>
    public Tensor Kl() => (Mean.Square().Plus(LogVariance.exp()).Minus(1.0) - LogVariance).sum(new long[] { 1, 2, 3 }).Times(0.5);

    public void Dispose()
    {
        Mean.Dispose();
        LogVariance.Dispose();
    }
}
