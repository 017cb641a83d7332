namespace T2I.Core.Inference;

/// <summary>
/// The limits of a <see cref="GenerationRequest"/>, stated once for the page (its input bounds), the API, the CLIs
/// and the generators. Steps and CFG are the product's ranges (A1111's, about): past 150 steps a flow sampler gains
/// nothing visible while one request holds a worker for minutes, and CFG below 1 weakens the prompt instead of
/// following it (the page and the API always refused both).
/// </summary>
public static class GenerationLimits
{
    public const int MaxPromptLength = 1000;
    public const int MinSteps = 1, MaxSteps = 150;
    public const double MinGuidance = 1.0, MaxGuidance = 20.0;
    public const int MinCount = 1, MaxCount = 4;

    /// <summary>Seeds are 32-bit (image i uses seed + i, so the last of a request must fit too).</summary>
    public const long MaxSeed = uint.MaxValue;
}
