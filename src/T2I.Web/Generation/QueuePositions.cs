using Hangfire;
using Hangfire.States;
using Hangfire.Storage.Monitoring;

namespace T2I.Web.Generation;

/// <summary>
/// Positions in the generation queue: first the jobs already in Hangfire's FIFO queue (read from its monitoring API, the
/// authority, also across servers), then the held ones in the order the <see cref="FairDispatcher"/> will move them.
/// Many pages ask every second, so one snapshot serves them for a short while. Positions are keyed by the generation id
/// a job carries, not by the record's job id: a job id remembered from before a restart (or a storage reset) may name
/// another client's job by now. ETAs come from the measured time per image-step (<see cref="StepTimes"/>) and the work
/// queued ahead, shared by the generation workers; the rest of the running jobs is not counted.
/// </summary>
public sealed class QueuePositions(JobStorage storage, FairDispatcher dispatcher, StepTimes stepTimes)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(250);
    private const int Window = 1000;
    private readonly Lock _lock = new();
    private Snapshot _snapshot = new([], new Dictionary<string, int>(), new Dictionary<string, int>(), 1);
    private DateTime _takenAt = DateTime.MinValue;

    /// <param name="Ahead">Image-steps queued before each position (index = position − 1), this one's included.</param>
    private sealed record Snapshot(long[] Ahead, Dictionary<string, int> Positions, Dictionary<string, int> PerUser, int Capacity);

    /// <summary>1 = next to run; null when the generation is not waiting in the queue (or beyond the first 1000 queued).</summary>
    public int? PositionOf(string generationId)
    {
        lock (_lock) return Take().Positions.TryGetValue(generationId, out int p) ? p : null;
    }

    /// <summary>Roughly when the generation starts; null when not queued or nothing has been measured yet.</summary>
    public TimeSpan? EtaOf(string generationId)
    {
        if (stepTimes.SecondsPerImageStep() is not { } perStep) return null;
        lock (_lock)
        {
            var s = Take();
            if (!s.Positions.TryGetValue(generationId, out int p) || p < 1) return null;
            long before = p >= 2 ? s.Ahead[p - 2] : 0;
            return TimeSpan.FromSeconds(before * perStep / s.Capacity);
        }
    }

    /// <summary>How many generations wait (in the queue and held; counted up to the first 1000 queued).</summary>
    public int Waiting()
    {
        lock (_lock) return Take().Positions.Count;
    }

    /// <summary>How many of <paramref name="user"/>'s generations are held for their turn.</summary>
    public int WaitingOf(string user)
    {
        lock (_lock) return Take().PerUser.GetValueOrDefault(HeldJob.SafeUser(user));
    }

    /// <summary>Held jobs per user (for the admin page).</summary>
    public IReadOnlyDictionary<string, int> WaitingPerUser()
    {
        lock (_lock) return new Dictionary<string, int>(Take().PerUser);
    }

    /// <summary>Under the lock: the snapshot, re-read when older than <see cref="MaxAge"/>.</summary>
    private Snapshot Take()
    {
        if (DateTime.UtcNow - _takenAt <= MaxAge) return _snapshot;
        var queued = storage.GetMonitoringApi().EnqueuedJobs(GenerationJob.Queue, 0, Window);
        var positions = new Dictionary<string, int>();
        foreach (var (_, job) in queued.Where(kv => IsWaiting(kv.Value)))
            if (GenerationJobs.GenerationIdOf(job.Job) is { } id) positions.TryAdd(id, positions.Count + 1);
        var order = dispatcher.Order();
        long typical = order.Count > 0 ? (long)order.Average(j => j.Cost) : GenerationRequestCost;
        var ahead = new List<long>();
        long sum = 0;
        foreach (var _ in positions) ahead.Add(sum += typical); // FIFO jobs' sizes are not listed: the typical one
        foreach (var job in order)
            if (positions.TryAdd(job.GenerationId, positions.Count + 1)) ahead.Add(sum += job.Cost);
        var perUser = order.GroupBy(j => j.User).ToDictionary(g => g.Key, g => g.Count());
        _snapshot = new Snapshot(ahead.ToArray(), positions, perUser, dispatcher.Capacity());
        _takenAt = DateTime.UtcNow;
        return _snapshot;
    }

    /// <summary>Image-steps of a default request, the guess for a queue whose jobs are not listed.</summary>
    private const long GenerationRequestCost = T2I.Core.Inference.GenerationRequest.DefaultSteps;

    /// <summary>
    /// A cancelled (deleted) job stays in Hangfire's queue list until a worker drops it: it is not waiting.
    /// Hangfire.Storage.SQLite leaves <c>InEnqueuedState</c> at its default (true), so the state name is checked too.
    /// </summary>
    internal static bool IsWaiting(EnqueuedJobDto job) =>
        job.InEnqueuedState && (job.State ?? EnqueuedState.StateName) == EnqueuedState.StateName;

    public const int MaxCounted = Window;

    public void Invalidate()
    {
        lock (_lock) _takenAt = DateTime.MinValue;
    }
}
