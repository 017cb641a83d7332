using Hangfire;
using Hangfire.States;
using Hangfire.Storage.Monitoring;

namespace T2I.Web.Generation;

/// <summary>
/// Positions in the generation queue, read from Hangfire's monitoring API (the authority, also across
/// servers). Many pages ask every second, so one snapshot of the queue serves them for a short while.
/// Positions are keyed by the generation id the queued job carries, not by the record's job id: a job id
/// remembered from before a restart (or a storage reset) may name another client's job by now.
/// </summary>
public sealed class QueuePositions(JobStorage storage)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(250);
    private const int Window = 1000;
    private readonly Lock _lock = new();
    private Dictionary<string, int> _positions = new();
    private DateTime _takenAt = DateTime.MinValue;

    /// <summary>1 = next to run; null when the generation is not waiting in the queue (or beyond the first 1000).</summary>
    public int? PositionOf(string generationId)
    {
        lock (_lock) return Snapshot().TryGetValue(generationId, out int p) ? p : null;
    }

    /// <summary>How many generations wait in the queue (counted up to the first 1000 entries).</summary>
    public int Waiting()
    {
        lock (_lock) return Snapshot().Count;
    }

    /// <summary>Under the lock: the positions, re-read when older than <see cref="MaxAge"/>.</summary>
    private Dictionary<string, int> Snapshot()
    {
        if (DateTime.UtcNow - _takenAt <= MaxAge) return _positions;
        var queued = storage.GetMonitoringApi().EnqueuedJobs(GenerationJob.Queue, 0, Window);
        _positions = new Dictionary<string, int>();
        foreach (var (_, job) in queued.Where(kv => IsWaiting(kv.Value)))
            if (GenerationJobs.GenerationIdOf(job.Job) is { } id) _positions.TryAdd(id, _positions.Count + 1);
        _takenAt = DateTime.UtcNow;
        return _positions;
    }

    /// <summary>
    /// A cancelled (deleted) job stays in Hangfire's queue list until a worker drops it: it is not waiting.
    /// Hangfire.Storage.SQLite leaves <c>InEnqueuedState</c> at its default (true), so the state name is checked too.
    /// </summary>
    private static bool IsWaiting(EnqueuedJobDto job) =>
        job.InEnqueuedState && (job.State ?? EnqueuedState.StateName) == EnqueuedState.StateName;

    public const int MaxCounted = Window;

    public void Invalidate()
    {
        lock (_lock) _takenAt = DateTime.MinValue;
    }
}
