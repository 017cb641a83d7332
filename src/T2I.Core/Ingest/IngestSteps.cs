using System.Globalization;

namespace T2I.Core.Ingest;

/// <summary>The units of one phase that are still to do: input tar keys (screen, write) or partition numbers (dedup).</summary>
public sealed record IngestStep(IngestPhase Phase, IReadOnlyList<string> Units)
{
    /// <summary>Nothing left: every input shard is committed.</summary>
    public bool Done => Units.Count == 0;
}

/// <summary>
/// Ingestion as units for a job queue (the web host's Hangfire workers): <see cref="NextAsync"/> reads the output and
/// says which units of the current phase remain; <see cref="RunUnitAsync"/> runs one. A host enqueues the next step
/// whenever a unit of a phase finishes and finds its phase complete, and on its schedule (which re-enqueues units of
/// a worker that died). Units check their own done-marker first, so a unit enqueued twice costs a read, not a redo.
/// </summary>
public sealed class IngestSteps(IngestRunner runner)
{
    public async Task<IngestStep> NextAsync(CancellationToken ct) => await NextAsync(await runner.PlanAsync(ct), ct);

    /// <summary>The step of a plan already read (the admin page reads one plan for its counts and its phase).</summary>
    public async Task<IngestStep> NextAsync(IngestPlan plan, CancellationToken ct)
    {
        var unscreened = plan.Unscreened.Select(s => s.TarKey).ToList();
        if (unscreened.Count > 0) return new IngestStep(IngestPhase.Screen, unscreened);
        var pending = plan.Pending.ToList();
        if (pending.Count == 0) return new IngestStep(IngestPhase.Write, []);
        var undecided = new List<string>();
        for (int p = 0; p < plan.Config.DedupPartitions; p++)
            if (!(await runner.DecidedAsync(p, ct)).IsSupersetOf(pending.Select(s => s.Name)))
                undecided.Add(p.ToString(CultureInfo.InvariantCulture));
        return new IngestStep(undecided.Count > 0 ? IngestPhase.Dedup : IngestPhase.Write,
            undecided.Count > 0 ? undecided : pending.Select(s => s.TarKey).ToList());
    }

    /// <summary>Runs one unit; returns a one-line result for the job's record.</summary>
    public async Task<string> RunUnitAsync(IngestPhase phase, string unit, CancellationToken ct)
    {
        switch (phase)
        {
            case IngestPhase.Screen:
                var screen = await runner.ScreenAsync(runner.Shard(unit), ct);
                return $"screened {unit}: {screen.Screened} of {screen.Samples} samples to dedup";
            case IngestPhase.Dedup:
                long held = await runner.DedupAsync(int.Parse(unit, CultureInfo.InvariantCulture), ct);
                return $"deduplicated partition {unit}: {held} hashes";
            case IngestPhase.Write:
                var record = await runner.WriteAsync(runner.Shard(unit), ct);
                return record is null ? $"{unit} was already committed" : $"wrote {unit}: {record.Kept} of {record.Samples} kept";
            default:
                throw new ArgumentOutOfRangeException(nameof(phase), phase, "A unit belongs to one phase.");
        }
    }
}
