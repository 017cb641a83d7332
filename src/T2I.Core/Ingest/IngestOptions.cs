namespace T2I.Core.Ingest;

/// <summary>Which of the three phases a run performs (<see cref="IngestRunner"/>).</summary>
public enum IngestPhase { All, Screen, Dedup, Write }

/// <summary>
/// How one ingestion run divides the work. <see cref="ShardIndex"/> of <see cref="ShardCount"/> takes every
/// ShardCount-th input shard (in key order, counting committed ones, so the split never shifts) and every
/// ShardCount-th hash partition: N runs with indexes 0..N-1 of each phase, phase after phase, do exactly what one
/// run does — the way a Kubernetes indexed Job or a shell loop spreads ingestion over machines.
/// </summary>
public sealed record IngestOptions
{
    /// <summary>Output name prefix for this input; default <see cref="IngestLayout.SourceTag"/> of its location.</summary>
    public string? Source { get; init; }

    /// <summary>Hash partitions of the dedup phase: memory per partition ≈ 44 bytes × screened images / partitions.</summary>
    public int DedupPartitions { get; init; } = 16;

    public int ShardIndex { get; init; }
    public int ShardCount { get; init; } = 1;
    public IngestPhase Phase { get; init; } = IngestPhase.All;

    public void Validate()
    {
        if (ShardCount < 1 || ShardIndex < 0 || ShardIndex >= ShardCount)
            throw new ConfigException($"--shard-index must be in 0..{ShardCount - 1} and --shard-count at least 1.");
        if (DedupPartitions is < 1 or > 4096) throw new ConfigException("--dedup-partitions must be in 1..4096.");
        if (ShardCount > 1 && Phase == IngestPhase.All)
            throw new ConfigException("A partitioned run (--shard-count > 1) needs --phase screen, dedup or write: dedup reads " +
                "every shard's screen, so run the phases in order, each with every --shard-index.");
        if (Source is not null) IngestLayout.CheckSource(Source);
    }

    public bool Owns(int ordinal) => ordinal % ShardCount == ShardIndex;
}
