using Hangfire;

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
        lock (_lock)
        {
            if (DateTime.UtcNow - _takenAt > MaxAge)
            {
                var queued = storage.GetMonitoringApi().EnqueuedJobs(GenerationJob.Queue, 0, Window);
                _positions = new Dictionary<string, int>();
                for (int i = 0; i < queued.Count; i++)
                    if (GenerationJobs.GenerationIdOf(queued[i].Value.Job) is { } id) _positions.TryAdd(id, i + 1);
                _takenAt = DateTime.UtcNow;
            }
            return _positions.TryGetValue(generationId, out int p) ? p : null;
        }
    }

    public void Invalidate()
    {
        lock (_lock) _takenAt = DateTime.MinValue;
    }
}
