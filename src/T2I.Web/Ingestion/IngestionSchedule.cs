using Hangfire;
using Microsoft.Extensions.Options;

namespace T2I.Web.Ingestion;

/// <summary>
/// One run of scheduled shard ingestion (new LAION shards → bucketed Parquet). DataPrep provides the real
/// implementation; the web app only schedules it. Runs must be idempotent (DataPrep's manifest skips done shards).
/// </summary>
public interface IShardIngestion
{
    /// <summary>Returns a one-line summary of what the run did (kept as the Hangfire job's result).</summary>
    Task<string> RunAsync(CancellationToken ct);
}

/// <summary>The Hangfire job around <see cref="IShardIngestion"/>, on the maintenance queue.</summary>
public sealed class ShardIngestionJob(IShardIngestion ingestion, ILogger<ShardIngestionJob> log)
{
    public const string RecurringId = "shard-ingestion";

    /// <summary>The maintenance queue this job runs on (Hangfire's default queue; workers serve it beside generation).</summary>
    public const string Queue = "default";

    /// <summary>
    /// Retries: 2, a minute apart. A run is idempotent and its usual failures (storage or network hiccups
    /// while reading shards) are transient; beyond two the error is real and waits for the next schedule.
    /// Overlapping runs (several workers, a "run now" during a scheduled run, the CLI CronJob) are kept apart by
    /// DataPrep's lease in the output store — the second run returns "skipped" at once. No Hangfire
    /// DisableConcurrentExecution: its PostgreSQL lock outlives a killed worker by the lock timeout (10 min),
    /// which the scale-out test showed blocking every other run.
    /// </summary>
    [Queue(Queue)]
    [AutomaticRetry(Attempts = 2, DelaysInSeconds = [60, 60], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("shard ingestion")]
    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        log.LogInformation("Shard ingestion starting");
        string summary = await ingestion.RunAsync(cancellationToken);
        log.LogInformation("Shard ingestion finished: {Summary}", summary);
        return summary;
    }
}

/// <summary>
/// Registers the recurring ingestion job from <see cref="IngestionOptions.Cron"/> (e.g. <c>0 * * * *</c>)
/// when an <see cref="IShardIngestion"/> is available; removes it when the cron is unset, so the schedule
/// always matches the configuration.
/// </summary>
public sealed class IngestionScheduler(IOptions<IngestionOptions> options, IServiceProvider services, IRecurringJobManager recurring,
    ILogger<IngestionScheduler> log) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        string? cron = options.Value.Cron;
        if (string.IsNullOrWhiteSpace(cron))
        {
            recurring.RemoveIfExists(ShardIngestionJob.RecurringId);
            return Task.CompletedTask;
        }
        if (services.GetService<IShardIngestion>() is null)
        {
            log.LogWarning("{Section}:Cron is set but no shard ingestion is configured (input and output); nothing scheduled",
                IngestionOptions.Section);
            return Task.CompletedTask;
        }
        recurring.AddOrUpdate<ShardIngestionJob>(ShardIngestionJob.RecurringId, ShardIngestionJob.Queue,
            j => j.RunAsync(CancellationToken.None), cron, new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        log.LogInformation("Shard ingestion scheduled: {Cron} (UTC)", cron);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
