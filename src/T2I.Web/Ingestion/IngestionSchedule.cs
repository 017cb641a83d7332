using Hangfire;
using Microsoft.Extensions.Options;
using T2I.Core.Ingest;

namespace T2I.Web.Ingestion;

/// <summary>
/// Scheduled shard ingestion (new LAION shards → bucketed Parquet) as units of work on the Hangfire workers. The web
/// app only schedules; the engine is T2I.Core's. Everything must be idempotent (units check their done-markers).
/// </summary>
public interface IShardIngestion
{
    /// <summary>The plan step: enqueues the units of the current phase; returns a one-line summary.</summary>
    Task<string> RunAsync(CancellationToken ct);

    /// <summary>Runs one unit, then enqueues the next phase if this one is complete; returns a one-line result.</summary>
    Task<string> RunUnitAsync(IngestPhase phase, string unit, CancellationToken ct);
}

/// <summary>The recurring plan job around <see cref="IShardIngestion.RunAsync"/>, on the maintenance queue.</summary>
public sealed class ShardIngestionJob(IShardIngestion ingestion, ILogger<ShardIngestionJob> log)
{
    public const string RecurringId = "shard-ingestion";

    /// <summary>The maintenance queue this job runs on (Hangfire's default queue; workers serve it beside generation).</summary>
    public const string Queue = "default";

    /// <summary>
    /// Retries: 2, a minute apart — planning only lists the stores, so its failures are storage hiccups. The plan may
    /// run while units of an earlier plan still run (several workers, "run now", the schedule): it then enqueues only
    /// units no live job carries (<see cref="IngestionUnitQueue"/>). That is also how work of a worker that died
    /// between a unit and its hand-over to the next phase is never stranded: the next plan picks it up.
    /// </summary>
    [Queue(Queue)]
    [AutomaticRetry(Attempts = 2, DelaysInSeconds = [60, 60], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("shard ingestion")]
    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        string summary = await ingestion.RunAsync(cancellationToken);
        log.LogInformation("Shard ingestion planned: {Summary}", summary);
        return summary;
    }
}

/// <summary>One unit of ingestion (a shard's screen or write, a hash partition's dedup) on any worker.</summary>
public sealed class IngestionUnitJob(IShardIngestion ingestion, ILogger<IngestionUnitJob> log)
{
    /// <summary>
    /// Retries: 3 (10 s, 30 s, 60 s): a unit is deterministic and idempotent, its failures are transient store errors.
    /// A worker killed mid-unit loses nothing: after the invisibility timeout another worker runs the unit again.
    /// </summary>
    [Queue(ShardIngestionJob.Queue)]
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [10, 30, 60], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("ingest {0} {1}")]
    public async Task<string> RunAsync(IngestPhase phase, string unit, CancellationToken cancellationToken)
    {
        string result = await ingestion.RunUnitAsync(phase, unit, cancellationToken);
        log.LogInformation("Ingestion unit {Phase} {Unit}: {Result}", phase, unit, result);
        return result;
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
