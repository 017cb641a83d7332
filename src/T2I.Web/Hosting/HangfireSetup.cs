using Hangfire;
using Hangfire.PostgreSql;
using Microsoft.Extensions.Options;
using T2I.Web.Generation;
using T2I.Web.Roles;
using T2I.Web.Settings;

namespace T2I.Web.Hosting;

/// <summary>
/// Hangfire storage and servers. Storage (<see cref="QueueStorageOptions"/>, made by <see cref="QueueStorage"/>): an
/// embedded SQLite file by default, PostgreSQL when <c>ConnectionStrings:Hangfire</c> is set (shared by processes), or
/// in-memory on request.
/// Servers (roles <c>all</c> and <c>worker</c>; a <c>web</c> process runs none): one for the generation queue
/// (<c>T2I:Workers</c> workers, default 1 — one model per device), one small one for maintenance work
/// (ingestion) so it never takes a generation worker. Server names carry the process id, so an operator (and
/// the scale-out test) can tell which process runs a job.
/// </summary>
public static class HangfireSetup
{
    public const string MaintenanceQueue = Ingestion.ShardIngestionJob.Queue;

    /// <summary>Production default of <c>T2I:Hangfire:InvisibilityTimeout</c> (Hangfire.PostgreSql's own default).</summary>
    public static readonly TimeSpan DefaultInvisibilityTimeout = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Production default of <c>T2I:Hangfire:DistributedLockTimeout</c>: how long a lock row of a dead process
    /// blocks others. Hangfire holds a job's lock while it changes the job's state, so a worker killed in that
    /// instant leaves the job stuck in Processing until the lock expires (Hangfire.PostgreSql's default: 10 min,
    /// seen in the scale-out test). The locks Hangfire and we hold live for milliseconds to seconds.
    /// </summary>
    public static readonly TimeSpan DefaultDistributedLockTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Production default of <c>T2I:Hangfire:HeartbeatInterval</c> (Hangfire's own): a server silent for
    /// <see cref="WorkerLiveness.MissedHeartbeats"/> intervals is taken as dead and its running jobs as interrupted.
    /// </summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(30);

    public static IServiceCollection AddT2IHangfire(this IServiceCollection services, IConfiguration config, T2IRole role)
    {
        // Our own storage instance in DI (not Hangfire's process-wide JobStorage.Current), so two apps in one
        // process — tests, the benchmark — never share or swap queues or services.
        services.AddSingleton(sp => new HangfireHeartbeat(Timeouts(sp).HeartbeatInterval));
        Generation.HeldState.Register();
        string? postgres = config.GetConnectionString("Hangfire");
        var kind = QueueStorageOptions.KindOf(config);
        if (role != T2IRole.All && kind != QueueStorageKind.Postgres)
            throw new InvalidSettingsException($"{T2IRoles.Key}={role.ToString().ToLowerInvariant()} needs the PostgreSQL queue " +
                $"shared with the other processes, not {QueueStorageOptions.Section}:Storage={kind.ToString().ToLowerInvariant()}.");
        string sqliteFile = kind == QueueStorageKind.Sqlite
            ? SettingsBinding.Read<QueueStorageOptions>(config, QueueStorageOptions.Section)
                .SqliteFile(SettingsBinding.Read<ImageStoreOptions>(config, ImageStoreOptions.Section).Location)
            : "";
        services.AddSingleton<JobStorage>(sp => QueueStorage.Create(kind, postgres, sqliteFile, Timeouts(sp)));
        services.AddSingleton<JobActivator>(sp => new ScopedJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, c) => c.SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseLogProvider(new HangfireLogBridge(sp.GetRequiredService<ILoggerFactory>()))
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());

        if (!role.RunsJobs()) return services;

        services.AddHangfireServer((sp, o) =>
        {
            o.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:generation:{Guid.NewGuid().ToString("N")[..6]}";
            o.Queues = [GenerationJob.Queue];
            o.WorkerCount = sp.GetRequiredService<IOptions<WorkerOptions>>().Value.Workers;
            o.HeartbeatInterval = Timeouts(sp).HeartbeatInterval;
            // A job deleted on another server stops here within a second (cancels in this process are immediate).
            o.CancellationCheckInterval = TimeSpan.FromSeconds(1);
            o.ShutdownTimeout = TimeSpan.FromSeconds(10);
        });
        services.AddHangfireServer((sp, o) =>
        {
            o.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:maintenance:{Guid.NewGuid().ToString("N")[..6]}";
            o.Queues = [MaintenanceQueue];
            o.WorkerCount = 1;
            o.HeartbeatInterval = Timeouts(sp).HeartbeatInterval;
            o.SchedulePollingInterval = TimeSpan.FromSeconds(5);
        });
        return services;
    }

    private static HangfireTimeoutOptions Timeouts(IServiceProvider sp) => sp.GetRequiredService<IOptions<HangfireTimeoutOptions>>().Value;

    internal static PostgreSqlStorageOptions PostgresOptions(TimeSpan invisibility, TimeSpan lockTimeout) => new()
    {
        DistributedLockTimeout = lockTimeout,
        // Without sliding, a generation running longer than InvisibilityTimeout is fetched again and runs twice.
        // With it, a live worker keeps extending its claim, and the timeout only decides how long the job of a
        // dead worker (kill -9, lost node) stays invisible before another worker takes it over.
        UseSlidingInvisibilityTimeout = true,
        InvisibilityTimeout = invisibility,
        PrepareSchemaIfNecessary = true,
        // LISTEN/NOTIFY wakes an idle worker on enqueue instead of waiting for the next poll.
        EnableLongPolling = true,
        QueuePollInterval = TimeSpan.FromSeconds(1),
    };
}
