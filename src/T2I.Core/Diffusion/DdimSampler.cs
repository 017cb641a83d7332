using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Diffusion;

/// <summary>
/// DDIM for a velocity model on the path x_t = α_t·x0 + σ_t·ε with α = 1 − t, σ = t:
/// x0 = x − t·v, ε = x + (1 − t)·v, x_{t'} = α'·x0 + sqrt(σ'² − s²)·ε + s·z with
/// s = η·σ'·sqrt(1 − (α·σ' / (α'·σ))²). η = 0 is deterministic and algebraically equal to an Euler step;
/// η = 1 is the ancestral (DDPM-like) posterior.
/// </summary>
public sealed class DdimSampler : FlowSampler
{
    public double Eta { get; }

    public DdimSampler(double eta = 0.0)
    {
        if (eta < 0 || eta > 1) throw new ArgumentOutOfRangeException(nameof(eta), eta, "DDIM eta must lie in [0, 1].");
        Eta = eta;
    }

    public override string Name => "DDIM";

    protected override Tensor Step(Tensor x, Tensor v, double t, double tNext, Generator? generator)
    {
        // Scalar-free forms (ScalarSafe): a + c·b with the coefficient kept alive across the native call.
        var x0 = x.PlusScaled(v, -t);
        var eps = x.PlusScaled(v, 1 - t);
        double alphaNext = 1 - tNext, sigmaNext = tNext;
        double s = NoiseScale(t, tNext);
        if (s == 0) return x0.Times(alphaNext).PlusScaled(eps, sigmaNext);
        var z = randn(x.shape, dtype: x.dtype, generator: generator).to(x.device);
        return x0.Times(alphaNext).PlusScaled(eps, Math.Sqrt(Math.Max(sigmaNext * sigmaNext - s * s, 0))).PlusScaled(z, s);
    }

    /// <summary>Standard deviation of the fresh noise added in the step t → tNext.</summary>
    public double NoiseScale(double t, double tNext)
    {
        if (Eta == 0 || tNext <= 0) return 0;
        double alpha = 1 - t, sigma = t, alphaNext = 1 - tNext, sigmaNext = tNext;
        double ratio = alpha * sigmaNext / (alphaNext * sigma);
        return Eta * sigmaNext * Math.Sqrt(Math.Max(1 - ratio * ratio, 0));
    }
}
