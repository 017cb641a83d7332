namespace T2I.Core.Ingest;

/// <summary>
/// The state of an output against its input, read from the store alone (no process memory, so any worker on any
/// machine plans the same): the input shards in key order and which of them are screened and committed.
/// </summary>
public sealed record IngestPlan(IngestManifest Config, IReadOnlyList<InputShard> Shards, IReadOnlySet<string> Screened,
    IReadOnlySet<string> Committed)
{
    public IEnumerable<InputShard> Pending => Shards.Where(s => !Committed.Contains(s.Name));

    /// <summary>Uncommitted shards still to screen (none when dedup is off: there is nothing to screen for).</summary>
    public IEnumerable<InputShard> Unscreened => Config.DedupPartitions == 0 ? [] : Pending.Where(s => !Screened.Contains(s.Name));
}
