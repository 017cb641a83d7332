namespace T2I.Core.Inference;

/// <summary>
/// What a user asks for, the one shape the page, the API, the CLIs, the queue's records and the generators share
/// (its rules: <see cref="GenerationValidator"/>). Width/height come from the aspect-bucket table of the model's
/// resolution. <see cref="Seed"/> null means "random": it is drawn once (<see cref="WithDrawnSeed"/>) so it can be
/// shown and reused. <see cref="Count"/> images are drawn with seeds <c>Seed, Seed+1, …</c>.
/// </summary>
public sealed record GenerationRequest(
    string Prompt,
    string NegativePrompt = "",
    int Width = 256,
    int Height = 256,
    int Steps = GenerationRequest.DefaultSteps,
    double Guidance = GenerationRequest.DefaultGuidance,
    long? Seed = null,
    int Count = 1,
    string Sampler = GenerationRequest.DefaultSampler,
    double Eta = 0.0)
{
    public const int DefaultSteps = 50;
    public const double DefaultGuidance = 5.0;
    public const string DefaultSampler = "ddim";

    /// <summary>"WxH", as the aspect-bucket names are written.</summary>
    public string Size => $"{Width}x{Height}";

    /// <summary>The same request with a seed: its own, or a random one under which all <see cref="Count"/> seeds fit.</summary>
    public GenerationRequest WithDrawnSeed() =>
        Seed is null ? this with { Seed = Random.Shared.NextInt64(0, GenerationLimits.MaxSeed - Math.Max(Count, 1) + 2) } : this;

    /// <summary>Image <paramref name="index"/> of this request on its own: seed <c>Seed + index</c>, one image.</summary>
    public GenerationRequest ForImage(int index) =>
        this with { Seed = (Seed ?? throw new InvalidOperationException("The seed is not drawn yet.")) + index, Count = 1 };
}
