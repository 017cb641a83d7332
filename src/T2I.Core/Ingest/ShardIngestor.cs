using T2I.Core.Data;
using T2I.Core.Storage;

namespace T2I.Core.Ingest;

/// <summary>
/// Ingests one input shard as a stream: the tar is read sample by sample, samples are processed on all cores
/// with a bounded number in flight, and the results are taken in tar order — so deduplication and row order
/// do not depend on thread timing — and handed to the shard's <see cref="BucketShardWriters"/>, which write
/// row groups as they fill. Memory therefore depends on the in-flight window and the row-group budget, not
/// on the size of the shard or the number of shards. Duplicates were decided before (<see cref="PartitionDeduper"/>):
/// their rows are dropped without decoding. Publishing the files is done here; committing them is the caller's job.
/// </summary>
public sealed class ShardIngestor(SampleProcessor processor, FilterConfig config, int workers)
{
    /// <summary>Called after each sample is processed (for images/s progress).</summary>
    public Action? SampleDone { get; init; }

    /// <summary>Where row groups are spooled before upload (default: the system temp folder).</summary>
    public string SpoolDirectory { get; init; } = Path.GetTempPath();

    /// <summary>Samples read ahead of the ordered consumer, beyond those being processed.</summary>
    public int Window => Math.Max(4, workers * 4);

    /// <param name="duplicates">Rows (ordinals in the tar) that the dedup phase found to be copies of earlier images.</param>
    public async Task<ShardRecord> IngestAsync(IBlobStore input, InputShard inputShard, IBlobStore output,
        IReadOnlySet<int> duplicates, CancellationToken ct)
    {
        var (tarKey, shard) = (inputShard.TarKey, inputShard.Name);
        var (metadata, metaProblem) = await ShardMetadata.LoadAsync(input, tarKey[..^".tar".Length] + ".parquet", ct);
        var drops = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var skipped = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long samples = 0, kept = 0;
        IReadOnlyDictionary<string, int> tarProblems;

        await using var writers = new BucketShardWriters(shard, config, SpoolDirectory);
        // S3: 4 MB ranged GETs, the next one prefetched — a dropped connection costs a retried block, not the shard.
        await using (var tar = await InputStream.OpenAsync(input, tarKey, ct, blockSize: 4 << 20))
        {
            var reader = new WebDatasetShardReader(tar, config.MaxImageBytes);
            var outcomes = OrderedParallel.SelectAsync(reader.ReadSamples().Select((s, row) => (s, row)),
                x => Safe(x.s, metadata.GetValueOrDefault(x.s.Key), shard, duplicates.Contains(x.row)), workers, Window, ct);
            await foreach (var o in outcomes)
            {
                samples++;
                SampleDone?.Invoke();
                if (o.DropReason is { } reason) { drops[reason] = drops.GetValueOrDefault(reason) + 1; continue; }
                kept++;
                foreach (var (res, row) in o.Rows) await writers.AddAsync(res, row, ct);
                foreach (var res in processor.Resolutions.Where(r => o.Rows.All(x => x.Resolution != r)))
                    skipped[$"res{res}"] = skipped.GetValueOrDefault($"res{res}") + 1;
            }
            tarProblems = reader.Problems;
        }

        var record = new ShardRecord
        {
            Input = tarKey, Samples = samples, Kept = kept, Drops = drops, SkippedAtResolution = skipped,
            Problems = new SortedDictionary<string, long>(tarProblems.ToDictionary(p => p.Key, p => (long)p.Value), StringComparer.Ordinal),
        };
        if (metaProblem is not null) record.Problems[metaProblem] = 1;
        foreach (var (name, rows) in writers.Counts) record.Buckets[name] = rows;
        await StoreUnavailableException.Guard("output", output, $"writing the outputs of shard {shard}", async () =>
            record.Outputs.AddRange(await writers.PublishAsync(output, ct)));
        return record;
    }

    /// <summary>One bad sample must never end the shard: anything unexpected is a counted drop.</summary>
    private SampleOutcome Safe(WebDatasetSample s, LaionRecord? meta, string shard, bool duplicate)
    {
        try { return processor.Process(s, meta, shard, duplicate); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return SampleOutcome.Dropped(s.Key, "processing_error");
        }
    }
}
