using System.Runtime.CompilerServices;
using T2I.Core.Storage;

namespace T2I.Core.Data;

/// <summary>
/// Streams shuffled batches from the bucketed shards of one resolution, every batch from a single bucket.
/// Each epoch has a plan computed from file footers and (seed, epoch) only: per bucket, the row groups are
/// shuffled, rows are shuffled within windows of a few row groups and cut into batches; the buckets' batch
/// queues are then interleaved at random in proportion to what each has left. Because the plan is a pure
/// function, a <see cref="BucketReaderPosition"/> is enough to resume exactly where a run stopped.
/// </summary>
public sealed class BucketBatchReader
{
    private readonly record struct RowRef(int File, int RowGroup, int Row);
    private sealed record ShardFile(string Key, AspectBucket Bucket, long[] RowGroups);
    private sealed record PlannedBatch(int Bucket, RowRef[] Rows);

    private readonly IBlobStore _store;
    private readonly BucketBatchOptions _options;
    private readonly List<ShardFile> _files;
    private readonly List<AspectBucket> _buckets;
    private readonly Dictionary<(int File, int RowGroup), IList<BucketRow>> _cache = new();
    private readonly LinkedList<(int File, int RowGroup)> _lru = new();
    private readonly Lock _cacheLock = new();   // several enumerations may share one reader (resume, eval)

    private BucketBatchReader(IBlobStore store, BucketBatchOptions options, List<ShardFile> files)
    {
        _store = store;
        _options = options;
        _files = files;
        _buckets = files.Select(f => f.Bucket).Distinct().OrderBy(b => b.Name, StringComparer.Ordinal).ToList();
        BatchesPerEpoch = Plan(0).Count;
    }

    public long BatchesPerEpoch { get; }
    public long Rows => _files.Sum(f => f.RowGroups.Sum());
    public IReadOnlyList<AspectBucket> Buckets => _buckets;

    /// <summary>Reads the footers of every shard under <c>res{resolution}/</c>.</summary>
    public static async Task<BucketBatchReader> OpenAsync(IBlobStore store, int resolution, BucketBatchOptions options,
        CancellationToken ct = default)
    {
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "Batch size must be at least 1.");
        if (options.Ranks < 1 || options.Rank < 0 || options.Rank >= options.Ranks)
            throw new ArgumentOutOfRangeException(nameof(options), $"Rank {options.Rank} of {options.Ranks} ranks.");
        var files = new List<ShardFile>();
        await foreach (var blob in store.ListAsync(BucketLayout.ResolutionPrefix(resolution), ct))
        {
            if (BucketLayout.Parse(blob.Key) is not { } parsed || parsed.Resolution != resolution) continue;
            await using var s = await SeekableStream.OpenAsync(store, blob.Key, ct);
            files.Add(new ShardFile(blob.Key, parsed.Bucket, await BucketShardFile.RowGroupSizesAsync(s, ct)));
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        if (files.Count == 0) throw new InvalidOperationException(
            $"No bucketed shards under {store.Location}/{BucketLayout.ResolutionPrefix(resolution)} " +
            "(write them with `dataprep synth` + `dataprep ingest`).");
        return new BucketBatchReader(store, options, files);
    }

    /// <summary>Batches from <paramref name="from"/> on, epoch after epoch, until <paramref name="epochs"/> epochs are done.</summary>
    public async IAsyncEnumerable<BucketBatch> ReadAsync(BucketReaderPosition from, int epochs = int.MaxValue,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (BatchesPerEpoch == 0) yield break;
        for (int epoch = from.Epoch; epoch < epochs; epoch++)
        {
            var plan = Plan(epoch);
            for (long i = epoch == from.Epoch ? from.Batch : 0; i < plan.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var batch = plan[(int)i];
                var rows = new BucketRow[batch.Rows.Length];
                for (int r = 0; r < rows.Length; r++)
                {
                    var rr = batch.Rows[r];
                    rows[r] = (await RowGroupAsync(rr.File, rr.RowGroup, ct))[rr.Row];
                }
                var next = i + 1 < plan.Count ? new BucketReaderPosition(epoch, i + 1) : new BucketReaderPosition(epoch + 1, 0);
                yield return new BucketBatch(_buckets[batch.Bucket], rows, next);
            }
        }
    }

    private List<PlannedBatch> Plan(int epoch)
    {
        var rng = new Random(unchecked(_options.Seed * 1_000_003 + epoch * 7_919 + 12_345) & int.MaxValue);
        var queues = new List<Queue<PlannedBatch>>();
        for (int b = 0; b < _buckets.Count; b++)
        {
            var units = new List<(int File, int RowGroup)>();
            for (int f = 0; f < _files.Count; f++)
                if (_files[f].Bucket == _buckets[b])
                    for (int g = 0; g < _files[f].RowGroups.Length; g++) units.Add((f, g));
            Shuffle(units, rng);

            var queue = new Queue<PlannedBatch>();
            var pending = new List<RowRef>();
            for (int w = 0; w < units.Count; w += Math.Max(1, _options.WindowRowGroups))
            {
                var window = new List<RowRef>();
                foreach (var (f, g) in units.Skip(w).Take(Math.Max(1, _options.WindowRowGroups)))
                    for (int r = 0; r < _files[f].RowGroups[g]; r++) window.Add(new RowRef(f, g, r));
                Shuffle(window, rng);
                pending.AddRange(window);
                while (pending.Count >= _options.BatchSize)
                {
                    queue.Enqueue(new PlannedBatch(b, pending.Take(_options.BatchSize).ToArray()));
                    pending.RemoveRange(0, _options.BatchSize);
                }
            }
            if (pending.Count > 0 && !_options.DropLast) queue.Enqueue(new PlannedBatch(b, pending.ToArray()));
            queues.Add(queue);
        }

        var plan = new List<PlannedBatch>();
        int left = queues.Sum(q => q.Count);
        while (left > 0)
        {
            int pick = rng.Next(left);
            foreach (var q in queues)
            {
                if (pick < q.Count) { plan.Add(q.Dequeue()); break; }
                pick -= q.Count;
            }
            left--;
        }
        if (_options.Ranks == 1) return plan;
        // The same plan on every rank (same seed), dealt out round-robin: no batch is read twice in an epoch.
        return plan.Take(plan.Count / _options.Ranks * _options.Ranks).Where((_, i) => i % _options.Ranks == _options.Rank).ToList();
    }

    private async Task<IList<BucketRow>> RowGroupAsync(int file, int rowGroup, CancellationToken ct)
    {
        var id = (file, rowGroup);
        lock (_cacheLock)
            if (_cache.TryGetValue(id, out var cached))
            {
                _lru.Remove(id);
                _lru.AddFirst(id);
                return cached;
            }
        // Read outside the lock: two enumerations may both read a missing group; the second store wins, same rows.
        IList<BucketRow> rows;
        await using (var s = await SeekableStream.OpenAsync(_store, _files[file].Key, ct))
            rows = await BucketShardFile.ReadAsync(s, rowGroup, ct);
        lock (_cacheLock)
        {
            if (_cache.TryAdd(id, rows)) _lru.AddFirst(id);
            // Each bucket works through one window at a time (plus rows carried over from the previous one).
            int capacity = Math.Max(4, _buckets.Count * Math.Max(1, _options.WindowRowGroups) * 2);
            while (_lru.Count > capacity)
            {
                _cache.Remove(_lru.Last!.Value);
                _lru.RemoveLast();
            }
        }
        return rows;
    }

    private static void Shuffle<T>(List<T> list, Random rng)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
