using T2I.Core.Storage;
using T2I.Web.Clients;
using T2I.Web.Generation;
using T2I.Web.Roles;

namespace T2I.Web.Hosting;

/// <summary>
/// Service registration of the app for one <see cref="T2IRole"/>; tests replace single services (e.g. the
/// generator source) after it. Both roles share these classes: a worker is the same app without the UI.
/// </summary>
public static class WebSetup
{
    public static IServiceCollection AddT2IWeb(this IServiceCollection services, IConfiguration config, T2IRole role)
    {
        services.AddSingleton(new HostRole(role));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IBlobStore>(_ => OpenImageStore(config));
        services.AddSingleton(new GenerationStoreOptions(Shared: T2IRoles.IsShared(config)));
        services.AddSingleton<GenerationTracker>();
        services.AddSingleton<SharedProgress>();
        services.AddSingleton<GenerationStore>();
        services.AddSingleton<IGeneratorSource, ConfiguredModelSource>();
        services.AddSingleton<GeneratorProvider>();
        services.AddTransient<GenerationJob>();
        if (Ingestion.ConfiguredShardIngestion.IsConfigured(config))
            services.AddSingleton<Ingestion.IShardIngestion, Ingestion.ConfiguredShardIngestion>();
        services.AddHostedService<Ingestion.IngestionScheduler>();
        if (role.RunsJobs())
        {
            services.AddHostedService<GeneratorWarmup>();
            // Before the Hangfire servers start (hosted services start in registration order).
            services.AddHostedService<InterruptedGenerations>();
        }
        if (role.ServesUi())
        {
            services.AddSingleton<QueuePositions>();
            services.AddSingleton<WorkerLiveness>();
            services.AddSingleton<GenerationService>();
            services.AddSingleton<Admin.AdminMonitor>();
            services.AddSingleton(RateLimitOptions.From(config));
            services.AddSingleton<SubmitLimiter>();
            services.AddSingleton(QueueLimitOptions.From(config));
            services.AddSingleton<QueueLimit>();
        }
        services.AddT2IHangfire(config, role);
        services.AddT2IHealthChecks();
        services.AddSharedDataProtection(config);
        return services;
    }

    /// <summary>
    /// Images and generation records: <c>T2I:Images</c> (a directory or s3://bucket/prefix) or, by default, a
    /// per-user data folder.
    /// </summary>
    public static IBlobStore OpenImageStore(IConfiguration config)
    {
        string location = config["T2I:Images"] is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData,
                Environment.SpecialFolderOption.Create), "t2i", "web");
        return BlobStores.Open(location); // a local folder or s3://bucket/prefix (T2I_S3_* variables)
    }
}

