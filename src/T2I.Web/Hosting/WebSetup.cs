using Microsoft.Extensions.Options;
using T2I.Core.Storage;
using T2I.Web.Clients;
using T2I.Web.Generation;
using T2I.Web.Roles;
using T2I.Web.Settings;

namespace T2I.Web.Hosting;

/// <summary>
/// Service registration of the app for one <see cref="T2IRole"/>; tests replace single services (e.g. the
/// generator source) after it. Both roles share these classes: a worker is the same app without the UI.
/// </summary>
public static class WebSetup
{
    public static IServiceCollection AddT2IWeb(this IServiceCollection services, IConfiguration config, T2IRole role)
    {
        services.AddT2ISettings(config);
        services.AddSingleton(new HostRole(role));
        services.AddSingleton(TimeProvider.System);
        // A local folder or s3://bucket/prefix (T2I_S3_* variables).
        services.AddSingleton<IBlobStore>(sp => BlobStores.Open(sp.GetRequiredService<IOptions<ImageStoreOptions>>().Value.Location));
        // Shared storage: several processes write the image store and the queue, so in-memory caches are not the truth.
        bool postgres = QueueStorageOptions.KindOf(config) == QueueStorageKind.Postgres;
        services.AddSingleton(new GenerationStoreOptions(Shared: postgres,
            Postgres: postgres ? config.GetConnectionString("Hangfire") : null));
        services.AddSingleton<GenerationTracker>();
        services.AddSingleton<SharedProgress>();
        services.AddSingleton<GenerationStore>();
        services.AddSingleton<IGeneratorSource, ConfiguredModelSource>();
        services.AddSingleton<GeneratorProvider>();
        services.AddTransient<GenerationJob>();
        // Read before the services exist: it decides whether ingestion is registered.
        if (SettingsBinding.Read<Ingestion.IngestionOptions>(config, Ingestion.IngestionOptions.Section).IsConfigured)
        {
            services.AddSingleton<Ingestion.IngestionUnitQueue>();
            services.AddSingleton<Ingestion.IShardIngestion, Ingestion.ConfiguredShardIngestion>();
        }
        services.AddHostedService<Ingestion.IngestionScheduler>();
        if (role.RunsJobs())
        {
            services.AddHostedService<GeneratorWarmup>();
            // Before the Hangfire servers start (hosted services start in registration order).
            services.AddHostedService<InterruptedGenerations>();
            services.AddHostedService<Generation.FairDispatchLoop>();
        }
        services.AddSingleton<Generation.FairDispatcher>();
        services.AddSingleton<StepTimes>();
        services.AddSingleton<GenerationStats>();
        if (role.ServesUi())
        {
            services.AddSingleton<QueuePositions>();
            services.AddSingleton<WorkerLiveness>();
            services.AddSingleton<GenerationService>();
            services.AddSingleton<Admin.AdminMonitor>();
            services.AddSingleton<Admin.IngestionProgress>();
            services.AddSingleton<SubmitLimiter>();
            services.AddSingleton<ApiKeyStore>();
            services.AddSingleton<QueueLimit>();
        }
        services.AddT2IHangfire(config, role);
        services.AddT2IHealthChecks();
        services.AddSharedDataProtection(config);
        return services;
    }

    /// <summary>Every <c>T2I:*</c> setting as a typed options record, in every role, so a bad one stops any process.</summary>
    private static IServiceCollection AddT2ISettings(this IServiceCollection services, IConfiguration config) => services
        .AddSettings<Roles.RoleOptions>(config, Roles.RoleOptions.Section)
        .AddSettings<ModelOptions>(config, ModelOptions.Section)
        .AddSettings<ImageStoreOptions>(config, ImageStoreOptions.Section)
        .AddSettings<WorkerOptions>(config, WorkerOptions.Section)
        .AddSettings<HangfireTimeoutOptions>(config, HangfireTimeoutOptions.Section)
        .AddSettings<QueueStorageOptions>(config, QueueStorageOptions.Section)
        .AddSettings<QueueLimitOptions>(config, QueueLimitOptions.Section)
        .AddSettings<RateLimitOptions>(config, RateLimitOptions.Section)
        .AddSettings<SharedKeysOptions>(config, SharedKeysOptions.Section)
        .AddSettings<Admin.AdminOptions>(config, Admin.AdminOptions.Section)
        .AddSettings<Ingestion.IngestionOptions>(config, Ingestion.IngestionOptions.Section);
}
