using System.Collections.Concurrent;
using Hangfire;
using Hangfire.States;

namespace T2I.Web.Generation;

/// <summary>
/// Whether a generation recorded as running still has a live worker behind it. A worker killed with
/// <c>kill -9</c> leaves its job in Hangfire's Processing state until the invisibility timeout hands it to
/// another worker (minutes); meanwhile the record says "running" with frozen progress. The job's Processing
/// state names its server, and a server that missed <see cref="MissedHeartbeats"/> heartbeats (or left
/// Hangfire's server list) is dead, so the page can say "interrupted — waiting to resume" and a cancel does
/// not wait for a worker that will never answer. Pages poll running jobs often, so the server list and each
/// job's verdict are read at most every second.
/// </summary>
public sealed class WorkerLiveness(JobStorage storage, HangfireHeartbeat heartbeat, TimeProvider clock)
{
    public const int MissedHeartbeats = 3;
    private static readonly TimeSpan ListMaxAge = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private Dictionary<string, DateTime> _heartbeats = new();
    private DateTimeOffset _listedAt = DateTimeOffset.MinValue;
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, bool Interrupted)> _verdicts = new();

    /// <summary>True when <paramref name="record"/> is running but no live Hangfire server is processing its job.</summary>
    public bool IsInterrupted(GenerationRecord record)
    {
        if (record.Status != GenerationStatus.Running || record.JobId is null) return false;
        var now = clock.GetUtcNow();
        if (_verdicts.TryGetValue(record.Id, out var cached) && now - cached.At < ListMaxAge) return cached.Interrupted;
        bool interrupted = Check(record);
        if (_verdicts.Count > 1000) _verdicts.Clear(); // bounded: only running generations are asked about
        _verdicts[record.Id] = (now, interrupted);
        return interrupted;
    }

    private bool Check(GenerationRecord record)
    {
        using var connection = storage.GetConnection();
        var job = connection.GetJobData(record.JobId!);
        if (job is null || GenerationJobs.GenerationIdOf(job.Job) != record.Id) return true;
        if (job.State != ProcessingState.StateName) return true;
        var state = connection.GetStateData(record.JobId!);
        return state?.Data is null || !state.Data.TryGetValue("ServerId", out string? server) || !IsAlive(server);
    }

    private bool IsAlive(string serverId)
    {
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            if (now - _listedAt > ListMaxAge)
            {
                _heartbeats = storage.GetMonitoringApi().Servers()
                    .Where(s => s.Heartbeat is not null).ToDictionary(s => s.Name, s => s.Heartbeat!.Value);
                _listedAt = now;
            }
            return _heartbeats.TryGetValue(serverId, out var beat)
                && now.UtcDateTime - DateTime.SpecifyKind(beat, DateTimeKind.Utc) < heartbeat.Interval * MissedHeartbeats;
        }
    }
}

/// <summary>How often Hangfire servers report that they live (<c>T2I:Hangfire:HeartbeatInterval</c>, default 30 s).</summary>
public sealed record HangfireHeartbeat(TimeSpan Interval);
