using System.Text;
using T2I.Core.Data;
using T2I.Core.Storage;

namespace T2I.Core.Ingest;

/// <summary>
/// Ingests one input shard as a stream: the tar is read sample by sample, samples are processed on all cores
/// with a bounded number in flight, and the results are taken in tar order — so deduplication and row order
/// do not depend on thread timing — and handed to the shard's <see cref="BucketShardWriters"/>, which write
/// row groups as they fill. Memory therefore depends on the in-flight window and the row-group budget, not
/// on the size of the shard or the number of shards. Publishing the files is done here; committing them
/// (the manifest) is the caller's job.
/// </summary>
public sealed class ShardIngestor(SampleProcessor processor, FilterConfig config, int workers)
{
    /// <summary>Called after each sample is processed (for images/s progress).</summary>
    public Action? SampleDone { get; init; }

    /// <summary>Where row groups are spooled before upload (default: the system temp folder).</summary>
    public string SpoolDirectory { get; init; } = Path.GetTempPath();

    /// <summary>Samples read ahead of the ordered consumer, beyond those being processed.</summary>
    public int Window => Math.Max(4, workers * 4);

    public async Task<ShardRecord> IngestAsync(IBlobStore input, string tarKey, string shard, IBlobStore output,
        DedupIndex seen, CancellationToken ct)
    {
        var (metadata, metaProblem) = await ShardMetadata.LoadAsync(input, tarKey[..^".tar".Length] + ".parquet", ct);
        var drops = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var skipped = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var kept = new List<Sha256Key>();
        long samples = 0;
        IReadOnlyDictionary<string, int> tarProblems;

        await using var writers = new BucketShardWriters(shard, config, SpoolDirectory);
        // S3: 4 MB ranged GETs, the next one prefetched — a dropped connection costs a retried block, not the shard.
        await using (var tar = await InputStream.OpenAsync(input, tarKey, ct, blockSize: 4 << 20))
        {
            var reader = new WebDatasetShardReader(tar, config.MaxImageBytes);
            var outcomes = OrderedParallel.SelectAsync(reader.ReadSamples(),
                s => Safe(s, metadata.GetValueOrDefault(s.Key), shard), workers, Window, ct);
            await foreach (var o in outcomes)
            {
                samples++;
                SampleDone?.Invoke();
                string? reason = o.DropReason;
                if (reason is null && config.Dedup && !seen.Add(o.Sha256!.Value)) reason = DropReasons.Duplicate;
                if (reason is not null) { drops[reason] = drops.GetValueOrDefault(reason) + 1; continue; }
                kept.Add(o.Sha256!.Value);
                foreach (var (res, row) in o.Rows) await writers.AddAsync(res, row, ct);
                foreach (var res in processor.Resolutions.Where(r => o.Rows.All(x => x.Resolution != r)))
                    skipped[$"res{res}"] = skipped.GetValueOrDefault($"res{res}") + 1;
            }
            tarProblems = reader.Problems;
        }

        var record = new ShardRecord
        {
            Input = tarKey, Samples = samples, Kept = kept.Count, Drops = drops, SkippedAtResolution = skipped,
            Problems = new SortedDictionary<string, long>(tarProblems.ToDictionary(p => p.Key, p => (long)p.Value), StringComparer.Ordinal),
        };
        if (metaProblem is not null) record.Problems[metaProblem] = 1;
        foreach (var (name, rows) in writers.Counts) record.Buckets[name] = rows;
        await StoreUnavailableException.Guard("output", output, $"writing the outputs of shard {shard}", async () =>
        {
            record.Outputs.AddRange(await writers.PublishAsync(output, ct));
            var hashText = new StringBuilder(kept.Count * 65);
            foreach (var h in kept) hashText.Append(h.ToHex()).Append('\n');
            await output.WriteAsync(IngestManifest.HashesKey(shard), new MemoryStream(Encoding.ASCII.GetBytes(hashText.ToString())), ct);
            record.Outputs.Add(IngestManifest.HashesKey(shard));
        });
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
