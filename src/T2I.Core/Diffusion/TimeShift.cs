namespace T2I.Core.Diffusion;

/// <summary>
/// Resolution-dependent time shift (FLUX / SD3): more image tokens → more noise is needed to destroy the same
/// signal, so t is pushed towards 1. mu is linear in the token count through (256, 0.5) and (4096, 1.15);
/// t' = e^mu / (e^mu + 1/t − 1).
/// </summary>
public static class TimeShift
{
    public const double BaseTokens = 256, BaseShift = 0.5, MaxTokens = 4096, MaxShift = 1.15;

    /// <summary>mu for a run: ln(<paramref name="factor"/>) when one is set (SD3's "shift"), else the token-count rule.</summary>
    public static double Mu(long imageTokens, double? factor) => factor is > 0 ? Math.Log(factor.Value) : Mu(imageTokens);

    public static double Mu(long imageTokens)
    {
        double slope = (MaxShift - BaseShift) / (MaxTokens - BaseTokens);
        return BaseShift + slope * (imageTokens - BaseTokens);
    }

    public static double Apply(double mu, double t)
    {
        if (t <= 0) return 0;
        if (t >= 1) return 1;
        double em = Math.Exp(mu);
        return em / (em + (1 / t - 1));
    }
}
