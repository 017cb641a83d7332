using System.Collections.Concurrent;
using System.Text.Json;
using Hangfire;

namespace T2I.Web.Generation;

/// <summary>
/// Live progress across processes. With shared (PostgreSQL) storage the job may run on a worker while the user
/// watches a web replica, whose <see cref="GenerationTracker"/> never hears the sampler. So the worker also
/// writes its latest step (and preview) into the Hangfire job's parameters — at most every
/// <see cref="Interval"/>, plus each image's last step — and the web reads it there when the run is not its own.
/// Embedded storage (one process) needs none of this and writes nothing.
/// </summary>
public sealed class SharedProgress(JobStorage storage, GenerationStoreOptions options, TimeProvider clock, ILogger<SharedProgress> log)
{
    public const string Parameter = "t2i-progress";
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<string, (long At, LiveProgress? Progress)> _readCache = new();

    public bool Enabled => options.Shared;

    private TimeProvider Clock => clock;

    /// <summary>A publisher for one run: throttled, and quiet when storage is not shared.</summary>
    public IProgress<LiveProgress> PublisherFor(string? jobId) =>
        Enabled && jobId is not null ? new Publisher(this, jobId) : new Progress<LiveProgress>();

    /// <summary>The latest progress a worker wrote for <paramref name="jobId"/> (cached for <see cref="Interval"/>: pages poll).</summary>
    public LiveProgress? Read(string? jobId)
    {
        if (!Enabled || jobId is null) return null;
        long now = clock.GetTimestamp();
        if (_readCache.TryGetValue(jobId, out var cached) && clock.GetElapsedTime(cached.At, now) < Interval) return cached.Progress;
        LiveProgress? progress = null;
        try
        {
            using var connection = storage.GetConnection();
            if (connection.GetJobParameter(jobId, Parameter) is { Length: > 0 } json)
                progress = JsonSerializer.Deserialize<LiveProgress>(json);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or TimeoutException)
        {
            log.LogDebug(ex, "Progress of job {JobId} unreadable", jobId);
        }
        _readCache[jobId] = (now, progress);
        if (_readCache.Count > 1000) _readCache.Clear(); // bounded: only running jobs are ever asked for
        return progress;
    }

    private void Write(string jobId, LiveProgress progress)
    {
        try
        {
            using var connection = storage.GetConnection();
            connection.SetJobParameter(jobId, Parameter, JsonSerializer.Serialize(progress));
        }
        catch (Exception ex)
        {
            // Progress is a courtesy: a storage hiccup must never fail the generation itself.
            log.LogWarning(ex, "Could not publish progress of job {JobId}", jobId);
        }
    }

    private sealed class Publisher(SharedProgress owner, string jobId) : IProgress<LiveProgress>
    {
        private long _last = long.MinValue;
        private byte[]? _preview;

        public void Report(LiveProgress p)
        {
            // Previews come every few steps; keep the latest so a write between them still carries one.
            if (p.PreviewPng is null) p = p with { PreviewPng = _preview };
            else _preview = p.PreviewPng;
            long now = owner.Clock.GetTimestamp();
            bool due = _last == long.MinValue || owner.Clock.GetElapsedTime(_last, now) >= Interval;
            if (!due && p.Step < p.TotalSteps) return;
            _last = now;
            owner.Write(jobId, p);
        }
    }
}
