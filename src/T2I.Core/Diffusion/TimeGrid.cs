namespace T2I.Core.Diffusion;

/// <summary>
/// Sampling schedule from t = 1 (noise) to t = 0 (data): uniform, optionally shifted by the token count or by the
/// fixed factor the model trained with.
/// </summary>
public static class TimeGrid
{
    public static IReadOnlyList<double> Create(int steps, long imageTokens, bool shift = true, double? factor = null)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "At least one sampling step.");
        double mu = TimeShift.Mu(imageTokens, factor);
        var grid = new double[steps + 1];
        for (int i = 0; i <= steps; i++)
        {
            double t = 1.0 - (double)i / steps;
            grid[i] = shift ? TimeShift.Apply(mu, t) : t;
        }
        return grid;
    }
}
