using T2I.Core.Storage;

namespace T2I.Core.Ingest;

/// <summary>
/// Phase 2 of ingestion, per hash partition: global exact dedup without any process holding all hashes. Partition
/// P reads the screen files of P of every screened shard and walks them in (shard name, row) order; the first
/// occurrence of a hash wins and every later one is written to that shard's drop list <c>_dedup/p{P}/{shard}.bin</c>.
/// The result depends only on the set of screened shards, never on which worker ran what or when:
/// <list type="bullet">
/// <item>Shards already decided (an earlier run, or this one before a crash) go first, all their hashes as "seen" —
/// their losers are copies of their winners, so the set is the winners'. Drop lists are written in name order, one
/// at a time, so after a crash the decided shards are a prefix of that order and the redo continues identically.</item>
/// <item>The one race — a shard screened while a partition runs — is excluded by the phase order: dedup starts only
/// when every planned shard is screened, and writing only when every partition is decided.</item>
/// </list>
/// Memory: one set of the partition's hashes (1/P of the dataset; ~44 bytes per image).
/// </summary>
public sealed class PartitionDeduper(IBlobStore output)
{
    /// <summary>
    /// Bytes per hash held: 32 of key, 8 of hash code and chain link, 4 of bucket slot (up to twice while the set grows).
    /// </summary>
    public const int BytesPerImage = 44;

    /// <summary>Decides partition <paramref name="partition"/>; returns the number of hashes it held.</summary>
    public Task<long> DedupAsync(int partition, CancellationToken ct) =>
        StoreUnavailableException.Guard("output", output, $"deduplicating hash partition {IngestLayout.Partition(partition)}",
            () => RunAsync(partition, ct));

    private async Task<long> RunAsync(int partition, CancellationToken ct)
    {
        string screenPrefix = IngestLayout.ScreenPrefix(partition), dedupPrefix = IngestLayout.DedupPrefix(partition);
        var decided = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var b in output.ListAsync(dedupPrefix, ct)) decided.Add(IngestLayout.ShardOf(b.Key, dedupPrefix, ".bin"));
        var screened = new List<string>();
        await foreach (var b in output.ListAsync(screenPrefix, ct)) screened.Add(IngestLayout.ShardOf(b.Key, screenPrefix, ".bin"));

        if (screened.All(decided.Contains)) return 0; // done already (a repeated unit): nothing to read
        var seen = new HashSet<Sha256Key>();
        foreach (var shard in screened.Where(decided.Contains))
            foreach (var e in await HashRows.ReadAsync(output, IngestLayout.ScreenKey(partition, shard), ct)) seen.Add(e.Hash);
        foreach (var shard in screened.Where(s => !decided.Contains(s)))
        {
            var losers = new List<int>();
            foreach (var e in await HashRows.ReadAsync(output, IngestLayout.ScreenKey(partition, shard), ct))
                if (!seen.Add(e.Hash)) losers.Add(e.Row);
            await output.TryCreateAsync(IngestLayout.DedupKey(partition, shard), new MemoryStream(HashRows.EncodeRows(losers)), ct);
        }
        return seen.Count;
    }

    /// <summary>
    /// The duplicate rows of one shard, the union of every partition's drop list; null while a partition has not
    /// decided the shard yet (phase 3 must not run then).
    /// </summary>
    public async Task<HashSet<int>?> DropsAsync(string shard, int partitions, CancellationToken ct)
    {
        var rows = new HashSet<int>();
        for (int p = 0; p < partitions; p++)
        {
            try { rows.UnionWith(await HashRows.ReadRowsAsync(output, IngestLayout.DedupKey(p, shard), ct)); }
            catch (FileNotFoundException) { return null; }
        }
        return rows;
    }
}
