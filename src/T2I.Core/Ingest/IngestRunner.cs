using System.Text.Json;
using T2I.Core.Data;
using T2I.Core.Storage;

namespace T2I.Core.Ingest;

/// <summary>What one ingestion run did.</summary>
public sealed record IngestSummary(int ShardsIngested, int ShardsAlreadyDone, long Samples, long Kept, IngestManifest Manifest)
{
    /// <summary>The most hashes one dedup partition held (what dedup memory scales with).</summary>
    public long DedupEntries { get; init; }
}

/// <summary>
/// Ingestion in three phases, each made of independent units that any worker may run in any order, each unit
/// writing only objects of its own: (1) screen each shard (<see cref="ShardScreener"/>: metadata filters, hashes per
/// partition), (2) dedup each hash partition (<see cref="PartitionDeduper"/>: first occurrence in (shard, row) order
/// wins), (3) write each shard (<see cref="ShardIngestor"/>: decode, resize, bucket files, then its commit). A phase
/// starts when the previous one is complete; every file is a function of the input, so a killed unit is simply run
/// again and the output equals one uninterrupted process's, byte for byte. <see cref="RunAsync"/> runs the phases
/// of its <see cref="IngestOptions"/> share; the web host's jobs call the units one by one.
/// </summary>
public sealed class IngestRunner
{
    private readonly IBlobStore _input, _output;
    private readonly int[] _resolutions;
    private readonly FilterConfig _config;

    public IngestRunner(IBlobStore input, IBlobStore output, IReadOnlyList<int> resolutions, FilterConfig config)
    {
        (_input, _output, _config) = (input, output, config);
        _resolutions = resolutions.Distinct().Order().ToArray();
    }

    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Where row groups are spooled before upload (default: the system temp folder).</summary>
    public string SpoolDirectory { get; init; } = Path.GetTempPath();

    public IngestOptions Options { get; init; } = new();

    /// <summary>Called after each sample is written (images/s progress).</summary>
    public Action? SampleDone { get; init; }

    private int Partitions => _config.Dedup ? Options.DedupPartitions : 0;

    private SampleProcessor Processor => new(_config, DomainBlocklist.From(_config), _resolutions);

    public async Task<IngestPlan> PlanAsync(CancellationToken ct)
    {
        if (_resolutions.Length == 0) throw new ConfigException("At least one --resolution is required.");
        foreach (var r in _resolutions) _ = AspectBuckets.For(r); // validates (multiple of 16, ≥ 64)
        Options.Validate();
        var shards = new List<InputShard>();
        await foreach (var blob in ListInputAsync(ct))
            if (blob.Key.EndsWith(".tar", StringComparison.Ordinal)) shards.Add(Shard(blob.Key));
        if (shards.Count == 0)
            throw new InputUnavailableException($"No .tar shards found under {_input.Location}.",
                new FileNotFoundException(_input.Location));
        var wanted = new IngestManifest { Resolutions = _resolutions, DedupPartitions = Partitions };
        var config = await Output("reading manifest.json", () => IngestManifest.LoadConfigAsync(_output, ct));
        if (config is null && await Output("creating manifest.json", () => wanted.TryCreateAsync(_output, ct)))
            config = wanted;
        config ??= await Output("reading manifest.json", () => IngestManifest.LoadConfigAsync(_output, ct)) ?? wanted;
        if (!config.Resolutions.SequenceEqual(_resolutions) || config.DedupPartitions != Partitions)
            throw new ConfigException($"{_output.Location} was built for resolutions {string.Join(",", config.Resolutions)} with " +
                $"{config.DedupPartitions} dedup partitions; this run asks for {string.Join(",", _resolutions)} with {Partitions}. " +
                "Use a new output location.");

        var screened = await Output("listing screened shards", () => NamesAsync(IngestLayout.ScreenedPrefix, ct));
        var committed = await Output("listing commits", () => NamesAsync(IngestLayout.CommitsPrefix, ct));
        return new IngestPlan(config, shards, screened, committed);
    }

    /// <summary>The input shard of a tar key, named with this input's source tag.</summary>
    public InputShard Shard(string tarKey) =>
        new(tarKey, $"{Options.Source ?? IngestLayout.SourceTag(_input.Location)}_{tarKey[..^4].Replace('/', '_')}");

    /// <summary>Phase 1 for one shard (a no-op when already screened).</summary>
    public Task<ScreenRecord> ScreenAsync(InputShard shard, CancellationToken ct) =>
        new ShardScreener(Processor, _config, Workers, Options.DedupPartitions).ScreenAsync(_input, shard, _output, ct);

    /// <summary>Phase 2 for one hash partition; returns the hashes it held.</summary>
    public Task<long> DedupAsync(int partition, CancellationToken ct) => new PartitionDeduper(_output).DedupAsync(partition, ct);

    /// <summary>The shards partition <paramref name="partition"/> has decided.</summary>
    public Task<HashSet<string>> DecidedAsync(int partition, CancellationToken ct) =>
        Output("listing drop lists", () => NamesAsync(IngestLayout.DedupPrefix(partition), ct, ".bin"));

    /// <summary>Phase 3 for one shard: its files, then its commit. Null when it was (or got) committed by someone else.</summary>
    /// <param name="sampleDone">Called per sample, beside <see cref="SampleDone"/>.</param>
    public async Task<ShardRecord?> WriteAsync(InputShard shard, CancellationToken ct, Action? sampleDone = null)
    {
        string commit = IngestLayout.CommitKey(shard.Name);
        if (await Output($"reading the commit of shard {shard.Name}", () => _output.ExistsAsync(commit, ct))) return null;
        IReadOnlySet<int> duplicates = new HashSet<int>();
        if (Partitions > 0)
            duplicates = await Output("reading drop lists", () => new PartitionDeduper(_output).DropsAsync(shard.Name, Partitions, ct))
                ?? throw new ConfigException($"Shard {shard.Name} is not deduplicated yet: run the dedup phase first.");
        var ingestor = new ShardIngestor(Processor, _config, Workers)
        {
            SpoolDirectory = SpoolDirectory, SampleDone = sampleDone is null ? SampleDone : () => { sampleDone(); SampleDone?.Invoke(); },
        };
        var record = await ingestor.IngestAsync(_input, shard, _output, duplicates, ct);
        bool mine = await Output($"committing shard {shard.Name}", () => IngestManifest.CommitAsync(_output, shard.Name, record, ct));
        GlibcHeap.Trim();
        return mine ? record : null; // another worker committed the same shard first (same bytes): not ours to count
    }

    /// <summary>The phases of <see cref="Options"/> over its share of shards and partitions.</summary>
    public async Task<IngestSummary> RunAsync(IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default)
    {
        var plan = await PlanAsync(ct);
        var mine = plan.Shards.Where((_, i) => Options.Owns(i)).ToList();
        var pending = mine.Where(s => !plan.Committed.Contains(s.Name)).ToList();
        var phase = Options.Phase;
        if (phase is IngestPhase.All or IngestPhase.Screen)
        {
            var toScreen = plan.Unscreened.Where(pending.Contains).ToList();
            for (int i = 0; i < toScreen.Count; i++)
            {
                await ScreenAsync(toScreen[i], ct);
                progress?.Report(new ProgressUpdate("screen", i + 1, toScreen.Count, toScreen[i].Name));
            }
        }
        long dedupEntries = 0;
        if (phase is IngestPhase.All or IngestPhase.Dedup && Partitions > 0)
        {
            if (phase == IngestPhase.Dedup && plan.Unscreened.Count() is var missing and > 0)
                throw new ConfigException($"{missing} shards are not screened yet: run --phase screen for every --shard-index first.");
            for (int p = Options.ShardIndex; p < Partitions; p += Options.ShardCount)
            {
                dedupEntries = Math.Max(dedupEntries, await DedupAsync(p, ct));
                progress?.Report(new ProgressUpdate("dedup", p + 1, Partitions));
            }
        }
        int written = 0;
        long samples = 0, kept = 0;
        if (phase is IngestPhase.All or IngestPhase.Write)
        {
            long expected = await StoreUnavailableException.Guard("input", _input, "reading shard stats", () =>
                ExpectedSamplesAsync(pending, ct));
            long done = 0;
            void Count()
            {
                long d = Interlocked.Increment(ref done);
                if (d % 16 == 0) progress?.Report(new ProgressUpdate("images", d, Math.Max(d, expected)));
            }
            foreach (var shard in pending)
            {
                ct.ThrowIfCancellationRequested();
                if (await WriteAsync(shard, ct, Count) is not { } record) continue;
                (written, samples, kept) = (written + 1, samples + record.Samples, kept + record.Kept);
                progress?.Report(new ProgressUpdate("shards", written, pending.Count, shard.Name));
            }
            progress?.Report(new ProgressUpdate("images", done, Math.Max(done, 1)));
        }
        var manifest = await Output("reading the commits", () => IngestManifest.LoadAsync(_output, ct)) ?? plan.Config;
        return new IngestSummary(written, mine.Count - pending.Count, samples, kept, manifest) { DedupEntries = dedupEntries };
    }

    private async Task<HashSet<string>> NamesAsync(string prefix, CancellationToken ct, string extension = ".json")
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var b in _output.ListAsync(prefix, ct))
            if (b.Key.EndsWith(extension, StringComparison.Ordinal)) names.Add(IngestLayout.ShardOf(b.Key, prefix, extension));
        return names;
    }

    private async IAsyncEnumerable<BlobInfo> ListInputAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        IAsyncEnumerator<BlobInfo> e;
        try { e = _input.ListAsync("", ct).GetAsyncEnumerator(ct); }
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

    private Exception Unreachable(Exception ex) => new StoreUnavailableException("input", _input, "listing shards", ex);

    private Task<T> Output<T>(string operation, Func<Task<T>> step) => StoreUnavailableException.Guard("output", _output, operation, step);

    /// <summary>Sum of img2dataset's <c>NNNNN_stats.json</c> counts, when present, for a progress total.</summary>
    private async Task<long> ExpectedSamplesAsync(List<InputShard> pending, CancellationToken ct)
    {
        long total = 0;
        foreach (var shard in pending)
        {
            try
            {
                await using var s = await _input.OpenReadAsync(shard.TarKey[..^4] + "_stats.json", ct);
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
