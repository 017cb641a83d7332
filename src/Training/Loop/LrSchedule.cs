namespace T2I.Training.Loop;

/// <summary>Learning-rate factor per step: linear warmup, then constant, cosine or linear decay.</summary>
public static class LrSchedule
{
    public static readonly IReadOnlyList<string> Names = ["constant", "cosine", "linear"];

    /// <summary>The factor for the 1-based <paramref name="step"/> (multiplies each param group's base LR).</summary>
    public static double Factor(LoopSettings s, long step)
    {
        if (s.WarmupSteps > 0 && step <= s.WarmupSteps) return (double)step / s.WarmupSteps;
        long decaySteps = s.Steps - s.WarmupSteps;
        if (s.Schedule == "constant" || decaySteps <= 0) return 1.0;
        double progress = Math.Clamp((double)(step - s.WarmupSteps) / decaySteps, 0, 1);
        double shape = s.Schedule switch
        {
            "cosine" => 0.5 * (1 + Math.Cos(Math.PI * progress)),
            "linear" => 1 - progress,
            _ => throw new ArgumentException($"Unknown schedule '{s.Schedule}' (use {string.Join(", ", Names)})."),
        };
        return s.MinLrRatio + (1 - s.MinLrRatio) * shape;
    }
}
