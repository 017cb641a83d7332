using System.Text.Json;

namespace T2I.Core.Data;

/// <summary>
/// Where a <see cref="BucketBatchReader"/> stands: the epoch and the index of the next batch in that epoch's
/// plan. With the reader's seed and the same files this fully determines the rest of the stream, so training
/// checkpoints store just this (as JSON).
/// </summary>
public sealed record BucketReaderPosition(int Epoch, long Batch)
{
    public static readonly BucketReaderPosition Start = new(0, 0);

    public string ToJson() => JsonSerializer.Serialize(this);

    public static BucketReaderPosition FromJson(string json) =>
        JsonSerializer.Deserialize<BucketReaderPosition>(json) ?? throw new FormatException("Empty reader position.");
}

/// <summary>One batch: all rows from one bucket, and the position to resume from after consuming it.</summary>
public sealed record BucketBatch(AspectBucket Bucket, IReadOnlyList<BucketRow> Rows, BucketReaderPosition Next);

/// <summary>
/// Batch size, seed, and the shuffle window: rows are shuffled within <see cref="WindowRowGroups"/> row groups
/// at a time (row-group order itself is shuffled), which bounds memory to a few row groups per bucket.
/// <see cref="Rank"/> of <see cref="Ranks"/> reads every <see cref="Ranks"/>-th batch of the one shared epoch plan (as
/// PyTorch's DistributedSampler does), the plan cut to a multiple of the ranks so that all reach an epoch's end together.
/// </summary>
public sealed record BucketBatchOptions(int BatchSize, int Seed, int WindowRowGroups = 4, bool DropLast = true, int Rank = 0,
    int Ranks = 1);
