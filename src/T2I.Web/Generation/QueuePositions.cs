using Hangfire;

namespace T2I.Web.Generation;

/// <summary>
/// Positions in the generation queue, read from Hangfire's monitoring API (the authority, also across
/// servers). Many pages ask every second, so one snapshot of the queue serves them for a short while.
/// </summary>
public sealed class QueuePositions(JobStorage storage)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(250);
    private const int Window = 1000;
    private readonly Lock _lock = new();
    private Dictionary<string, int> _positions = new();
    private DateTime _takenAt = DateTime.MinValue;

    /// <summary>1 = next to run; null when the job is not waiting in the queue (or beyond the first 1000).</summary>
    public int? PositionOf(string? jobId)
    {
        if (jobId is null) return null;
        lock (_lock)
        {
            if (DateTime.UtcNow - _takenAt > MaxAge)
            {
                var queued = storage.GetMonitoringApi().EnqueuedJobs(GenerationJob.Queue, 0, Window);
                _positions = queued.Select((kv, i) => (kv.Key, i)).ToDictionary(t => t.Key, t => t.i + 1);
                _takenAt = DateTime.UtcNow;
            }
            return _positions.TryGetValue(jobId, out int p) ? p : null;
        }
    }

    public void Invalidate()
    {
        lock (_lock) _takenAt = DateTime.MinValue;
    }
}
