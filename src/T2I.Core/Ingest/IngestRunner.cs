using System.Text;
using System.Text.Json;
using T2I.Core.Data;
using T2I.Core.Storage;

namespace T2I.Core.Ingest;

/// <summary>What one ingestion run did.</summary>
public sealed record IngestSummary(int ShardsIngested, int ShardsAlreadyDone, long Samples, long Kept, IngestManifest Manifest)
{
    /// <summary>Distinct image hashes held for deduplication at the end (committed shards plus this run's).</summary>
    public long DedupEntries { get; init; }
}

/// <summary>
/// Ingests every input shard not yet in the output manifest, one shard at a time, in key order.
/// Crash safety by construction: a shard's outputs are new files named after it, written (atomically, each)
/// before its manifest entry; the manifest is replaced atomically after each shard. A run killed at any
/// point leaves either committed shards (kept) or uncommitted files (deleted by the next run's cleanup), and
/// because processing and deduplication are deterministic in shard order, resuming yields the same bytes.
/// </summary>
public sealed class IngestRunner(IBlobStore input, IBlobStore output, IReadOnlyList<int> resolutions, FilterConfig config)
{
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Where row groups are spooled before upload (default: the system temp folder).</summary>
    public string SpoolDirectory { get; init; } = Path.GetTempPath();

    public async Task<IngestSummary> RunAsync(IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default)
    {
        if (resolutions.Count == 0) throw new ConfigException("At least one --resolution is required.");
        foreach (var r in resolutions) _ = AspectBuckets.For(r); // validates (multiple of 16, ≥ 64)
        var sorted = resolutions.Distinct().Order().ToArray();

        var manifest = await Output("reading manifest.json", () => IngestManifest.LoadAsync(output, ct))
            ?? new IngestManifest { Resolutions = sorted };
        if (!manifest.Resolutions.SequenceEqual(sorted))
            throw new ConfigException($"{output.Location} was built for resolutions {string.Join(",", manifest.Resolutions)}; " +
                                      $"this run asks for {string.Join(",", sorted)}. Use a new output location.");

        await Output("removing files of an interrupted run", () => CleanUncommittedAsync(manifest, ct));
        var seen = await Output("loading the hashes of ingested images", () => LoadHashesAsync(manifest, ct));

        var pending = new List<(string TarKey, string Shard)>();
        int alreadyDone = 0;
        await foreach (var blob in ListInputAsync(ct))
        {
            if (!blob.Key.EndsWith(".tar", StringComparison.Ordinal)) continue;
            string shard = blob.Key[..^4].Replace('/', '_');
            if (manifest.Shards.ContainsKey(shard)) alreadyDone++;
            else pending.Add((blob.Key, shard));
        }
        if (pending.Count == 0 && alreadyDone == 0)
            throw new InputUnavailableException($"No .tar shards found under {input.Location}.", new FileNotFoundException(input.Location));
        long expected = await StoreUnavailableException.Guard("input", input, "reading shard stats", () =>
            ExpectedSamplesAsync(pending, ct));

        var processor = new SampleProcessor(config, DomainBlocklist.From(config), sorted);
        long done = 0, samples = 0, kept = 0;
        var ingestor = new ShardIngestor(processor, config, Workers)
        {
            SpoolDirectory = SpoolDirectory,
            SampleDone = () =>
            {
                long d = Interlocked.Increment(ref done);
                if (d % 16 == 0) progress?.Report(new ProgressUpdate("images", d, Math.Max(d, expected)));
            },
        };
        for (int i = 0; i < pending.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var (tarKey, shard) = pending[i];
            var record = await ingestor.IngestAsync(input, tarKey, shard, output, seen, ct);
            manifest.Shards[shard] = record;
            await Output($"committing shard {shard} to manifest.json", () => manifest.SaveAsync(output, ct)); // the commit
            GlibcHeap.Trim();
            samples += record.Samples;
            kept += record.Kept;
            progress?.Report(new ProgressUpdate("shards", i + 1, pending.Count, shard));
        }
        progress?.Report(new ProgressUpdate("images", done, Math.Max(done, 1)));
        return new IngestSummary(pending.Count, alreadyDone, samples, kept, manifest) { DedupEntries = seen.Count };
    }

    private async IAsyncEnumerable<BlobInfo> ListInputAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        IAsyncEnumerator<BlobInfo> e;
        try { e = input.ListAsync("", ct).GetAsyncEnumerator(ct); }
        catch (Exception ex) when (ex is not OperationCanceledException) { throw Unreachable(ex); }
        await using (e)
        {
            while (true)
            {
                try { if (!await e.MoveNextAsync()) yield break; }
                catch (Exception ex) when (ex is not OperationCanceledException) { throw Unreachable(ex); }
                yield return e.Current;
            }
        }
    }

    private Exception Unreachable(Exception ex) => new StoreUnavailableException("input", input, "listing shards", ex);

    private Task<T> Output<T>(string operation, Func<Task<T>> step) => StoreUnavailableException.Guard("output", output, operation, step);

    private Task Output(string operation, Func<Task> step) => StoreUnavailableException.Guard("output", output, operation, step);

    /// <summary>Deletes outputs of shards the manifest does not list (a run was interrupted before committing them).</summary>
    private async Task CleanUncommittedAsync(IngestManifest manifest, CancellationToken ct)
    {
        var committed = manifest.Shards.Values.SelectMany(s => s.Outputs).ToHashSet(StringComparer.Ordinal);
        var stale = new List<string>();
        foreach (var prefix in manifest.Resolutions.Select(BucketLayout.ResolutionPrefix).Append(IngestManifest.HashesPrefix))
            await foreach (var blob in output.ListAsync(prefix, ct))
                if (!committed.Contains(blob.Key)) stale.Add(blob.Key);
        foreach (var key in stale) await output.DeleteAsync(key, ct);
    }

    private async Task<DedupIndex> LoadHashesAsync(IngestManifest manifest, CancellationToken ct)
    {
        var seen = new DedupIndex();
        if (!config.Dedup) return seen;
        foreach (var shard in manifest.Shards.Keys)
        {
            await using var s = await output.OpenReadAsync(IngestManifest.HashesKey(shard), ct);
            using var reader = new StreamReader(s, Encoding.ASCII);
            while (await reader.ReadLineAsync(ct) is { } line)
                if (Sha256Key.TryParseHex(line, out var key)) seen.Add(key);
        }
        return seen;
    }

    /// <summary>Sum of img2dataset's <c>NNNNN_stats.json</c> counts, when present, for a progress total.</summary>
    private async Task<long> ExpectedSamplesAsync(List<(string TarKey, string Shard)> pending, CancellationToken ct)
    {
        long total = 0;
        foreach (var (tarKey, _) in pending)
        {
            try
            {
                await using var s = await input.OpenReadAsync(tarKey[..^4] + "_stats.json", ct);
                using var doc = await JsonDocument.ParseAsync(s, cancellationToken: ct);
                if (doc.RootElement.TryGetProperty("count", out var c) && c.TryGetInt64(out long n)) total += n;
            }
            catch (Exception e) when (e is FileNotFoundException or JsonException or InvalidOperationException) { }
        }
        return total;
    }
}

/// <summary>The input cannot be listed or read: the CLI prints the message and exits non-zero.</summary>
public sealed class InputUnavailableException(string message, Exception inner) : Exception(message, inner);
