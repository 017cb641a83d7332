using T2I.Core.Storage;
using T2I.Web.Api;
using T2I.Web.Clients;
using T2I.Web.Generation;

namespace T2I.Web.Hosting;

/// <summary>Service registration of the web app; tests replace single services (e.g. the generator source) after it.</summary>
public static class WebSetup
{
    public static IServiceCollection AddT2IWeb(this IServiceCollection services, IConfiguration config)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IBlobStore>(_ => OpenImageStore(config));
        services.AddSingleton<GenerationTracker>();
        services.AddSingleton<GenerationStore>();
        services.AddSingleton<QueuePositions>();
        services.AddSingleton<GenerationService>();
        services.AddSingleton<IGeneratorSource, ConfiguredModelSource>();
        services.AddSingleton<GeneratorProvider>();
        services.AddHostedService<GeneratorWarmup>();
        services.AddTransient<GenerationJob>();
        services.AddSingleton<Admin.AdminMonitor>();
        if (Ingestion.DataPrepShardIngestion.IsConfigured(config))
            services.AddSingleton<Ingestion.IShardIngestion, Ingestion.DataPrepShardIngestion>();
        services.AddHostedService<Ingestion.IngestionScheduler>();
        services.AddClientRateLimits(RateLimitOptions.From(config));
        services.AddT2IHangfire(config);
        return services;
    }

    /// <summary>
    /// Images and generation records: <c>T2I:Images</c> (a directory) or, by default, a per-user data folder.
    /// </summary>
    public static IBlobStore OpenImageStore(IConfiguration config)
    {
        string location = config["T2I:Images"] is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "t2i", "web");
        return BlobStores.Open(location); // a local folder or s3://bucket/prefix (T2I_S3_* variables)
    }
}
