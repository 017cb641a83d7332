using T2I.Core.Data;
using T2I.Core.Storage;

namespace T2I.Core.Ingest;

/// <summary>
/// The outputs of one input shard while it is being ingested: one Parquet file per (resolution, bucket), each
/// built row group by row group in an anonymous spool file, so memory holds only the row groups being filled.
/// A group is written when it reaches <c>rowGroupRows</c> rows or <c>rowGroupBytes</c> bytes, and when all
/// pending groups together pass <c>maxBufferedBytes</c> the largest one is written early. Every rule depends
/// only on the rows in order, so the same input always gives the same files byte for byte. Nothing reaches
/// the output store before <see cref="PublishAsync"/>, and then only as whole files (atomic store writes).
/// </summary>
public sealed class BucketShardWriters(string shard, FilterConfig config, string spoolDirectory) : IAsyncDisposable
{
    private sealed class Pending
    {
        public readonly List<BucketRow> Rows = [];
        public long Bytes;
        public long Written;
        public FileStream? Spool;
    }

    private readonly SortedDictionary<(int Res, string Bucket), Pending> _buckets = new();
    private long _buffered;

    /// <summary>Bytes of rows held in memory right now (for tests and the memory benchmark).</summary>
    public long BufferedBytes => _buffered;

    /// <summary>Rows per "res{R}/{W}x{H}" so far.</summary>
    public IEnumerable<(string Name, long Rows)> Counts =>
        _buckets.Select(b => ($"res{b.Key.Res}/{b.Key.Bucket}", b.Value.Written + b.Value.Rows.Count));

    public async Task AddAsync(int resolution, BucketRow row, CancellationToken ct)
    {
        var id = (resolution, $"{row.Width}x{row.Height}");
        if (!_buckets.TryGetValue(id, out var p)) _buckets[id] = p = new Pending();
        long size = EstimateBytes(row);
        p.Rows.Add(row);
        p.Bytes += size;
        _buffered += size;
        if (p.Rows.Count >= config.RowGroupRows || p.Bytes >= config.RowGroupBytes) await FlushAsync(p, ct);
        while (_buffered > config.MaxBufferedBytes)
            await FlushAsync(_buckets.Values.Aggregate((a, b) => b.Bytes > a.Bytes ? b : a), ct);
    }

    /// <summary>Writes the last row groups and uploads every file; returns the keys written, in key order.</summary>
    public async Task<List<string>> PublishAsync(IBlobStore output, CancellationToken ct)
    {
        var keys = new List<string>();
        foreach (var ((res, bucket), p) in _buckets)
        {
            await FlushAsync(p, ct);
            var key = BucketLayout.ShardKey(res, AspectBucket.Parse(bucket), shard);
            p.Spool!.Position = 0;
            await output.WriteAsync(key, p.Spool, ct);
            await p.Spool.DisposeAsync();
            p.Spool = null;
            keys.Add(key);
        }
        return keys;
    }

    private async Task FlushAsync(Pending p, CancellationToken ct)
    {
        if (p.Rows.Count == 0) return;
        p.Spool ??= OpenSpool();
        await BucketShardFile.AppendRowGroupAsync(p.Spool, p.Rows, ct);
        p.Written += p.Rows.Count;
        _buffered -= p.Bytes;
        p.Rows.Clear();
        p.Bytes = 0;
    }

    /// <summary>
    /// A temp file that is unlinked at once: it lives as long as its handle, so a killed run leaves no
    /// spool behind (and the output store never sees it).
    /// </summary>
    private FileStream OpenSpool()
    {
        Directory.CreateDirectory(spoolDirectory);
        string path = Path.Combine(spoolDirectory, $"t2i-spool-{Environment.ProcessId}-{Guid.NewGuid():N}.parquet");
        var fs = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Delete, 1 << 16, FileOptions.DeleteOnClose);
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return fs;
    }

    /// <summary>What a row costs while buffered: its image plus its strings (UTF-16) and a fixed overhead.</summary>
    internal static long EstimateBytes(BucketRow r) =>
        r.Image.Length + 2L * (r.Caption.Length + r.Key.Length + (r.Url?.Length ?? 0) + (r.Labels?.Length ?? 0) + r.Sha256.Length
            + r.SourceShard.Length) + 256;

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _buckets.Values)
            if (p.Spool is { } s) await s.DisposeAsync();
        _buckets.Clear();
    }
}
