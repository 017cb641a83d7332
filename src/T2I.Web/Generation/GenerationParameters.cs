namespace T2I.Web.Generation;

/// <summary>
/// What a user submits, before a seed is drawn. <see cref="Seed"/> null means "random": the service draws
/// one at submit time so it can be shown and reused afterwards.
/// </summary>
public sealed record GenerationParameters(
    string Prompt,
    string NegativePrompt = "",
    int Width = 256,
    int Height = 256,
    int Steps = GenerationParameters.DefaultSteps,
    double Guidance = GenerationParameters.DefaultGuidance,
    long? Seed = null,
    int Count = 1)
{
    public const int DefaultSteps = 50;
    public const double DefaultGuidance = 5.0;

    public string Size => $"{Width}x{Height}";
}

/// <summary>Where a generation is in its life. Terminal: Succeeded, Failed, Canceled.</summary>
public enum GenerationStatus { Queued, Running, Succeeded, Failed, Canceled }

/// <summary>
/// The persisted, user-visible state of one generation (one Hangfire job drawing <c>Count</c> images with
/// seeds <c>Seed, Seed+1, …</c>). Live step progress is not stored here; see <see cref="GenerationTracker"/>.
/// </summary>
public sealed record GenerationRecord(
    string Id,
    string ClientId,
    GenerationParameters Parameters,
    long Seed,
    GenerationStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? FinishedAt = null,
    int ImagesDone = 0,
    string? ModelId = null,
    string? Error = null,
    string? JobId = null,
    int Attempts = 0)
{
    public bool IsTerminal => Status is GenerationStatus.Succeeded or GenerationStatus.Failed or GenerationStatus.Canceled;

    /// <summary>The seed image <paramref name="index"/> was drawn with.</summary>
    public long SeedOf(int index) => Seed + index;
}

/// <summary>Live progress of a running generation: image i of n, sampler step x of N, latest preview.</summary>
public sealed record LiveProgress(int Image, int ImageCount, int Step, int TotalSteps, byte[]? PreviewPng);
