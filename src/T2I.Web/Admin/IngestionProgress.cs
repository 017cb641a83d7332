using System.Collections.Concurrent;
using Hangfire;
using Microsoft.Extensions.Options;
using T2I.Core.Ingest;
using T2I.Core.Storage;
using T2I.Web.Ingestion;

namespace T2I.Web.Admin;

/// <summary>
/// The configured ingestion as the admin page shows it. <see cref="Phase"/> is "screen", "dedup", "write", "done"
/// or "not started"; the unit counts are those of that phase (shards for screen and write, hash partitions for
/// dedup): <see cref="Running"/> and <see cref="Failed"/> from Hangfire, <see cref="Waiting"/> the rest of
/// <see cref="UnitsLeft"/>. Images/s is what the commits of the last <see cref="IngestionProgress.RateWindow"/>
/// hold, across all workers.
/// </summary>
public sealed record IngestionProgressView(string Output, string Phase, int Shards, int Committed, int UnitsLeft, int Running,
    int Failed, long Samples, long Kept, IReadOnlyDictionary<string, long> Drops, double ImagesPerSecond, DateTime TakenAt)
{
    public int Waiting => Math.Max(0, UnitsLeft - Running - Failed);

    /// <summary>Set when the stores could not be read; the counts are then empty.</summary>
    public string? Error { get; init; }
}

/// <summary>
/// Reads the configured ingestion's progress from its output store (the plan, the per-shard commits) and from
/// Hangfire's job states of <see cref="IngestionUnitJob"/>, so it counts the work of every worker on every machine.
/// Commits never change once written, so each is read once per process; a refresh costs the plan's listings.
/// </summary>
public sealed class IngestionProgress(IOptions<IngestionOptions> options, JobStorage jobs, TimeProvider clock)
{
    public static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(5);

    /// <summary>Hangfire jobs looked at per refresh (running ones are bounded by the workers; failures by this).</summary>
    private const int MaxJobs = 1000;

    private readonly ConcurrentDictionary<string, ShardRecord> _commits = new(StringComparer.Ordinal);

    public bool IsConfigured => options.Value.IsConfigured;

    public async Task<IngestionProgressView> TakeAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var empty = new IngestionProgressView(o.Output ?? "", "not started", 0, 0, 0, 0, 0, 0, 0,
            new Dictionary<string, long>(), 0, now.UtcDateTime);
        if (!o.IsConfigured) return empty;
        try
        {
            var output = BlobStores.Open(o.Output!);
            // Planning would create manifest.json: a page view must not start an output.
            if (await IngestManifest.LoadConfigAsync(output, ct) is null) return empty;
            var runner = new IngestRunner(BlobStores.Open(o.Input!), output, o.ResolutionList(), FilterConfig.Load(o.Config));
            var plan = await runner.PlanAsync(ct);
            var step = await new IngestSteps(runner).NextAsync(plan, ct);
            var commits = await CommitsAsync(output, plan, now - RateWindow, ct);
            var (running, failed) = UnitJobs(step);
            var drops = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var (record, _) in commits)
                foreach (var (reason, n) in record.Drops) drops[reason] = drops.GetValueOrDefault(reason) + n;
            long recent = commits.Where(c => c.Recent).Sum(c => c.Record.Samples);
            return new IngestionProgressView(o.Output!, step.Done ? "done" : step.Phase.ToString().ToLowerInvariant(),
                plan.Shards.Count, commits.Count, step.Units.Count, running, failed, commits.Sum(c => c.Record.Samples),
                commits.Sum(c => c.Record.Kept), drops, recent / RateWindow.TotalSeconds, now.UtcDateTime);
        }
        catch (Exception e) when (e is StoreUnavailableException or InputUnavailableException or InvalidDataException or ConfigException)
        {
            return empty with { Phase = "unknown", Error = e.Message };
        }
    }

    /// <summary>The commits of the plan's shards, with whether each was written within the rate window.</summary>
    private async Task<List<(ShardRecord Record, bool Recent)>> CommitsAsync(IBlobStore output, IngestPlan plan,
        DateTimeOffset since, CancellationToken ct)
    {
        var planned = plan.Shards.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var found = new List<(string Shard, DateTimeOffset Written)>();
        await foreach (var b in output.ListAsync(IngestLayout.CommitsPrefix, ct))
            if (b.Key.EndsWith(".json", StringComparison.Ordinal) &&
                IngestLayout.ShardOf(b.Key, IngestLayout.CommitsPrefix, ".json") is var shard && planned.Contains(shard))
                found.Add((shard, b.LastModified));
        var result = new List<(ShardRecord, bool)>(found.Count);
        foreach (var (shard, written) in found)
        {
            string key = $"{output.Location}/{shard}";
            if (!_commits.TryGetValue(key, out var record))
                _commits[key] = record = await IngestManifest.ReadCommitAsync(output, shard, ct);
            result.Add((record, written > since));
        }
        return result;
    }

    /// <summary>Units of this step that Hangfire runs now, and those whose job failed (retries used up) and none runs.</summary>
    private (int Running, int Failed) UnitJobs(IngestStep step)
    {
        var left = step.Units.ToHashSet(StringComparer.Ordinal);
        var api = jobs.GetMonitoringApi();
        var running = Units(api.ProcessingJobs(0, MaxJobs).Select(kv => kv.Value.Job), step.Phase, left);
        var failed = Units(api.FailedJobs(0, MaxJobs).Select(kv => kv.Value.Job), step.Phase, left);
        failed.ExceptWith(running); // the next plan enqueued it again
        return (running.Count, failed.Count);
    }

    private static HashSet<string> Units(IEnumerable<Hangfire.Common.Job?> jobs, IngestPhase phase, HashSet<string> left) => jobs
        .Where(j => j?.Type == typeof(IngestionUnitJob) && j.Args.Count >= 2 && j.Args[0] is IngestPhase p && p == phase)
        .Select(j => j!.Args[1] as string ?? "").Where(left.Contains).ToHashSet(StringComparer.Ordinal);
}
