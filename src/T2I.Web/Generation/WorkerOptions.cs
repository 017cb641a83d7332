using T2I.Web.Settings;

namespace T2I.Web.Generation;

/// <summary>
/// <c>T2I:Workers</c>: generation jobs this process holds at once (default 1). The process has one model, so jobs
/// beyond the first do not sample beside it: they wait to join its next batched run (see
/// <see cref="BatchingGenerator"/>), which is how compatible queued requests share one forward.
/// <c>T2I:MaxBatch</c>: images in one batched sampling run (default 4) — a request's several images, and with
/// more than one worker, images of compatible requests.
/// </summary>
public sealed record WorkerOptions : ISettings
{
    public const string Section = "T2I";
    public const int MaxBatchLimit = 16;

    public int Workers { get; init; } = 1;
    public int MaxBatch { get; init; } = 4;

    public IEnumerable<string> Problems()
    {
        if (Workers < 1) yield return $"{Section}:Workers must be a whole number of at least 1 (got '{Workers}').";
        if (MaxBatch is < 1 or > MaxBatchLimit)
            yield return $"{Section}:MaxBatch must be a whole number from 1 to {MaxBatchLimit} (got '{MaxBatch}').";
    }
}
