using T2I.Core.Data;

namespace T2I.Core.Ingest;

/// <summary>What became of one input sample: dropped for a reason, or rows for some resolutions.</summary>
public sealed record SampleOutcome(string Key, string? DropReason, Sha256Key? Sha256, IReadOnlyList<(int Resolution, BucketRow Row)> Rows)
{
    public static SampleOutcome Dropped(string key, string reason) => new(key, reason, null, []);
}
