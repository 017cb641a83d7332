using T2I.Core.Inference;

namespace T2I.Web.Generation;

/// <summary>Where a generation is in its life. Terminal: Succeeded, Failed, Canceled.</summary>
public enum GenerationStatus { Queued, Running, Succeeded, Failed, Canceled }

/// <summary>
/// The persisted, user-visible state of one generation (one Hangfire job drawing the request's images), around the
/// request as submitted, its seed drawn. Live step progress is not stored here; see <see cref="GenerationTracker"/>.
/// <see cref="ClientId"/> is its owner and the user the fair scheduler takes turns between (a cookie client, or
/// <c>key:ID</c> for an API key); <see cref="Priority"/>: submitted with an admin-granted priority key.
/// </summary>
public sealed record GenerationRecord(
    string Id,
    string ClientId,
    GenerationRequest Parameters,
    GenerationStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? FinishedAt = null,
    int ImagesDone = 0,
    string? ModelId = null,
    string? Error = null,
    string? JobId = null,
    int Attempts = 0,
    bool Priority = false)
{
    public bool IsTerminal => Status is GenerationStatus.Succeeded or GenerationStatus.Failed or GenerationStatus.Canceled;

    /// <summary>The seed of the first image (drawn at submit, so never null in a stored record).</summary>
    public long Seed => Parameters.Seed ?? 0;

    /// <summary>The seed image <paramref name="index"/> was drawn with.</summary>
    public long SeedOf(int index) => Parameters.ForImage(index).Seed!.Value;
}
