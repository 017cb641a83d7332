namespace T2I.Core.Eval;

/// <summary>
/// Wilson score interval for a binomial proportion: honest at small n and at 0 % or 100 %, where the normal
/// approximation collapses to a zero-width interval.
/// </summary>
public static class BinomialInterval
{
    /// <summary>z of a two-sided 95 % interval.</summary>
    public const double Z95 = 1.959963984540054;

    public static (double Low, double High) Wilson(long hits, long count, double z = Z95)
    {
        if (count <= 0) return (0, 1);
        if (hits < 0 || hits > count) throw new ArgumentOutOfRangeException(nameof(hits), $"{hits} hits of {count}.");
        double p = (double)hits / count, z2 = z * z;
        double centre = (p + z2 / (2 * count)) / (1 + z2 / count);
        double half = z / (1 + z2 / count) * Math.Sqrt(p * (1 - p) / count + z2 / (4.0 * count * count));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
