using Hangfire;
using Hangfire.Storage;
using T2I.Web.Generation;

namespace T2I.Web.Admin;

public sealed record QueueRow(string Name, long Length);
public sealed record RunningRow(string JobId, string Job, string? GenerationId, string? Server, DateTime? StartedAt,
    LiveProgress? Progress);
public sealed record FailureRow(string JobId, string Job, DateTime? FailedAt, string Reason);
public sealed record ServerRow(string Name, int Workers, string Queues, DateTime? Heartbeat);
public sealed record ScheduleRow(string Id, string Cron, DateTime? NextRun, DateTime? LastRun, string? LastState, string? Error);
public sealed record Throughput(long Succeeded, long Failed, long Deleted, long LastHour, long Enqueued, long Processing);

public sealed record AdminSnapshot(
    IReadOnlyList<QueueRow> Queues, IReadOnlyList<RunningRow> Running, IReadOnlyList<FailureRow> Failures,
    IReadOnlyList<ServerRow> Servers, IReadOnlyList<ScheduleRow> Schedule, Throughput Throughput, DateTime TakenAt);

/// <summary>Reads what the admin page shows from Hangfire's monitoring API, joined with live generation progress.</summary>
public sealed class AdminMonitor(JobStorage storage, GenerationTracker tracker, SharedProgress shared, IRecurringJobManager recurring)
{
    public AdminSnapshot Take()
    {
        var api = storage.GetMonitoringApi();
        var stats = api.GetStatistics();
        var queues = api.Queues().Select(q => new QueueRow(q.Name, q.Length)).ToList();
        if (queues.All(q => q.Name != GenerationJob.Queue)) queues.Insert(0, new QueueRow(GenerationJob.Queue, 0));

        var running = api.ProcessingJobs(0, 50).Select(kv =>
        {
            string? generation = kv.Value.Job?.Args.FirstOrDefault() as string;
            return new RunningRow(kv.Key, Describe(kv.Value.Job), generation, kv.Value.ServerId, kv.Value.StartedAt,
                generation is null ? null : tracker.Progress(generation) ?? shared.Read(kv.Key));
        }).ToList();

        var failures = api.FailedJobs(0, 20).Select(kv => new FailureRow(kv.Key, Describe(kv.Value.Job), kv.Value.FailedAt,
            $"{kv.Value.ExceptionType?.Split('.').Last()}: {kv.Value.ExceptionMessage}".Trim(' ', ':'))).ToList();

        var servers = api.Servers().Select(s => new ServerRow(s.Name, s.WorkersCount, string.Join(", ", s.Queues), s.Heartbeat)).ToList();

        using var connection = storage.GetConnection();
        var schedule = connection.GetRecurringJobs().Select(r => new ScheduleRow(r.Id, r.Cron, r.NextExecution, r.LastExecution,
            r.LastJobState, r.Error)).ToList();

        long lastHour = api.HourlySucceededJobs().Where(kv => kv.Key >= DateTime.UtcNow.AddHours(-1)).Sum(kv => kv.Value);
        return new AdminSnapshot(queues, running, failures, servers, schedule,
            new Throughput(stats.Succeeded, stats.Failed, stats.Deleted, lastHour, stats.Enqueued, stats.Processing), DateTime.UtcNow);
    }

    /// <summary>Starts a recurring job now (the schedule's "run now").</summary>
    public void RunNow(string recurringJobId) => recurring.Trigger(recurringJobId);

    private static string Describe(Hangfire.Common.Job? job) => job is null ? "(unreadable job)" : $"{job.Type.Name}.{job.Method.Name}";
}
