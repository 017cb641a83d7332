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
    private sealed record ShardFile(string Key, AspectBucket Bucket, long[] RowGroups);

    /// <summary>
    /// A bucket's row groups in canonical (key) order and the bucket-local number of each one's first row: a planned row is
    /// one int, its bucket-local number, instead of a (file, row group, row) triple.
    /// </summary>
    private sealed record BucketUnits((int File, int RowGroup)[] Units, long[] FirstRow);

    /// <summary>
    /// One epoch: per bucket its rows in shuffled order (4 bytes a row), cut front to back into batches, and which bucket
    /// each batch of the interleaved stream takes its next batch from.
    /// </summary>
    private sealed record EpochPlan(int[][] BucketRows, int[] BatchBucket)
    {
        public int Count => BatchBucket.Length;
    }

    private readonly IBlobStore _store;
    private readonly BucketBatchOptions _options;
    private readonly List<ShardFile> _files;
    private readonly List<AspectBucket> _buckets;
    private readonly List<BucketUnits> _units;
    private readonly Dictionary<(int File, int RowGroup), IList<BucketRow>> _cache = new();
    private readonly LinkedList<(int File, int RowGroup)> _lru = new();
    private readonly Lock _cacheLock = new();   // several enumerations may share one reader (resume, eval)

    private BucketBatchReader(IBlobStore store, BucketBatchOptions options, List<ShardFile> files)
    {
        _store = store;
        _options = options;
        _files = files;
        _buckets = files.Select(f => f.Bucket).Distinct().OrderBy(b => b.Name, StringComparer.Ordinal).ToList();
        _units = _buckets.Select(UnitsOf).ToList();
        BatchesPerEpoch = Plan(0).Count / options.Ranks;
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
            long start = epoch == from.Epoch ? from.Batch : 0;
            // The same plan on every rank (same seed), dealt out round-robin: batch g of the epoch goes to rank
            // g mod ranks as its batch g / ranks, so no batch is read twice; the last incomplete round is dropped.
            int ranks = _options.Ranks;
            long count = plan.Count / ranks;
            var taken = new int[_buckets.Count]; // batches each bucket has given so far: the next one's place in its rows
            for (long g = 0; g < count * ranks; g++)
            {
                int bucket = plan.BatchBucket[g], first = taken[bucket]++ * _options.BatchSize;
                long i = g / ranks;
                if (g % ranks != _options.Rank || i < start) continue;
                ct.ThrowIfCancellationRequested();
                var bucketRows = plan.BucketRows[bucket];
                var rows = new BucketRow[Math.Min(_options.BatchSize, bucketRows.Length - first)];
                for (int r = 0; r < rows.Length; r++)
                {
                    var (file, group, row) = Locate(bucket, bucketRows[first + r]);
                    rows[r] = (await RowGroupAsync(file, group, ct))[row];
                }
                var next = i + 1 < count ? new BucketReaderPosition(epoch, i + 1) : new BucketReaderPosition(epoch + 1, 0);
                yield return new BucketBatch(_buckets[bucket], rows, next);
            }
        }
    }

    private BucketUnits UnitsOf(AspectBucket bucket)
    {
        var units = new List<(int File, int RowGroup)>();
        var firstRow = new List<long>();
        long rows = 0;
        for (int f = 0; f < _files.Count; f++)
            if (_files[f].Bucket == bucket)
                for (int g = 0; g < _files[f].RowGroups.Length; g++)
                {
                    units.Add((f, g));
                    firstRow.Add(rows);
                    rows += _files[f].RowGroups[g];
                }
        if (rows > int.MaxValue) throw new InvalidDataException($"bucket {bucket.Name} holds {rows} rows, more than a plan can number.");
        return new BucketUnits(units.ToArray(), firstRow.ToArray());
    }

    private (int File, int RowGroup, int Row) Locate(int bucket, int row)
    {
        var u = _units[bucket];
        int i = Array.BinarySearch(u.FirstRow, (long)row);
        if (i < 0) i = ~i - 1;
        return (u.Units[i].File, u.Units[i].RowGroup, (int)(row - u.FirstRow[i]));
    }

    /// <summary>
    /// Per bucket: row groups shuffled, rows shuffled within windows of row groups, then batches cut in order (a window's
    /// leftover rows lead the next batch); the buckets' batches interleaved at random in proportion to what each has left.
    /// </summary>
    private EpochPlan Plan(int epoch)
    {
        var rng = new Random(unchecked(_options.Seed * 1_000_003 + epoch * 7_919 + 12_345) & int.MaxValue);
        int window = Math.Max(1, _options.WindowRowGroups);
        var bucketRows = new int[_buckets.Count][];
        var left = new int[_buckets.Count];
        for (int b = 0; b < _buckets.Count; b++)
        {
            var (units, firstRow) = _units[b];
            var order = Enumerable.Range(0, units.Length).ToList();
            Shuffle(order, rng);
            var rows = new List<int>();
            var part = new List<int>();
            for (int w = 0; w < order.Count; w += window)
            {
                part.Clear();
                foreach (int unit in order.Skip(w).Take(window))
                {
                    var (f, g) = units[unit];
                    for (int r = 0; r < _files[f].RowGroups[g]; r++) part.Add((int)firstRow[unit] + r);
                }
                Shuffle(part, rng);
                rows.AddRange(part);
            }
            int full = rows.Count / _options.BatchSize;
            left[b] = full + (rows.Count % _options.BatchSize > 0 && !_options.DropLast ? 1 : 0);
            if (_options.DropLast) rows.RemoveRange(full * _options.BatchSize, rows.Count - full * _options.BatchSize);
            bucketRows[b] = rows.ToArray();
        }

        var batchBucket = new int[left.Sum()];
        for (int i = 0, remaining = batchBucket.Length; i < batchBucket.Length; i++, remaining--)
        {
            int pick = rng.Next(remaining), b = 0;
            while (pick >= left[b]) pick -= left[b++];
            left[b]--;
            batchBucket[i] = b;
        }
        return new EpochPlan(bucketRows, batchBucket);
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
