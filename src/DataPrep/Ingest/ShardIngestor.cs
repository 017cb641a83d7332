using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using T2I.Core.Data;
using T2I.Core.Storage;

namespace T2I.DataPrep.Ingest;

/// <summary>
/// Ingests one input shard: streams its tar, processes samples on all cores, then — in tar order, so the
/// result does not depend on thread timing — removes exact duplicates and groups rows by (resolution, bucket).
/// Writes one Parquet per (resolution, bucket) plus the shard's hash list; committing is the caller's job.
/// </summary>
public sealed class ShardIngestor(SampleProcessor processor, FilterConfig config, int workers)
{
    /// <summary>Called after each sample is processed (for images/s progress).</summary>
    public Action? SampleDone { get; init; }

    public async Task<ShardRecord> IngestAsync(IBlobStore input, string tarKey, string shard, IBlobStore output,
        HashSet<string> seenHashes, CancellationToken ct)
    {
        var (metadata, metaProblem) = await ShardMetadata.LoadAsync(input, tarKey[..^".tar".Length] + ".parquet", ct);
        var outcomes = new ConcurrentDictionary<int, SampleOutcome>();
        IReadOnlyDictionary<string, int> tarProblems;

        await using (var tar = await input.OpenReadAsync(tarKey, ct))
        {
            var reader = new WebDatasetShardReader(tar);
            var channel = Channel.CreateBounded<(int Index, WebDatasetSample Sample)>(Math.Max(4, workers * 4));
            var consumers = Enumerable.Range(0, Math.Max(1, workers)).Select(_ => Task.Run(async () =>
            {
                await foreach (var (i, s) in channel.Reader.ReadAllAsync(ct))
                {
                    outcomes[i] = Safe(s, metadata.GetValueOrDefault(s.Key), shard);
                    SampleDone?.Invoke();
                }
            }, ct)).ToArray();
            // The tar is read on its own thread: the reader is synchronous and may wait on the network.
            var producer = Task.Run(async () =>
            {
                try
                {
                    int index = 0;
                    foreach (var s in reader.ReadSamples()) await channel.Writer.WriteAsync((index++, s), ct);
                }
                finally { channel.Writer.Complete(); }
            }, ct);
            await Task.WhenAll(consumers.Append(producer));
            tarProblems = reader.Problems;
        }

        var drops = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var skipped = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var groups = new SortedDictionary<(int Res, string Bucket), List<BucketRow>>();
        var hashes = new List<string>();
        long kept = 0;
        for (int i = 0; i < outcomes.Count; i++)
        {
            var o = outcomes[i];
            string? reason = o.DropReason;
            if (reason is null && config.Dedup && !seenHashes.Add(o.Sha256!)) reason = DropReasons.Duplicate;
            if (reason is not null) { drops[reason] = drops.GetValueOrDefault(reason) + 1; continue; }
            kept++;
            hashes.Add(o.Sha256!);
            foreach (var (res, row) in o.Rows)
            {
                var id = (res, $"{row.Width}x{row.Height}");
                if (!groups.TryGetValue(id, out var list)) groups[id] = list = [];
                list.Add(row);
            }
            foreach (var res in processor.Resolutions.Where(r => o.Rows.All(x => x.Resolution != r)))
                skipped[$"res{res}"] = skipped.GetValueOrDefault($"res{res}") + 1;
        }

        var record = new ShardRecord
        {
            Input = tarKey, Samples = outcomes.Count, Kept = kept, Drops = drops, SkippedAtResolution = skipped,
            Problems = new SortedDictionary<string, long>(tarProblems.ToDictionary(p => p.Key, p => (long)p.Value), StringComparer.Ordinal),
        };
        if (metaProblem is not null) record.Problems[metaProblem] = 1;

        foreach (var ((res, bucketName), rows) in groups)
        {
            var outKey = BucketLayout.ShardKey(res, AspectBucket.Parse(bucketName), shard);
            var bytes = await BucketShardFile.WriteAsync(rows, config.RowGroupRows, ct);
            await output.WriteAsync(outKey, new MemoryStream(bytes), ct);
            record.Outputs.Add(outKey);
            record.Buckets[$"res{res}/{bucketName}"] = rows.Count;
        }
        var hashText = Encoding.ASCII.GetBytes(string.Concat(hashes.Select(h => h + "\n")));
        await output.WriteAsync(IngestManifest.HashesKey(shard), new MemoryStream(hashText), ct);
        record.Outputs.Add(IngestManifest.HashesKey(shard));
        return record;
    }

    /// <summary>One bad sample must never end the shard: anything unexpected is a counted drop.</summary>
    private SampleOutcome Safe(WebDatasetSample s, LaionRecord? meta, string shard)
    {
        try { return processor.Process(s, meta, shard); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return SampleOutcome.Dropped(s.Key, "processing_error");
        }
    }
}
