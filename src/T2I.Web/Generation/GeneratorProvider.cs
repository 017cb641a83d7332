using T2I.Core.Inference;

namespace T2I.Web.Generation;

/// <summary>Where the process gets its one generator from. Throws <see cref="GeneratorUnavailableException"/> with a plain reason.</summary>
public interface IGeneratorSource
{
    ITextToImageGenerator Load();
}

public sealed class GeneratorUnavailableException(string message) : Exception(message);

/// <summary>
/// Holds the process's single generator: loaded once (first use or the startup warm-up), shared by all
/// workers and pages. When loading fails the reason is kept and shown; it is not retried per job.
/// </summary>
public sealed class GeneratorProvider(IGeneratorSource source, ILogger<GeneratorProvider> log)
{
    /// <summary>Offered when no model is loaded, so the page can still render its form.</summary>
    public const int FallbackResolution = 256;

    private readonly Lazy<(ITextToImageGenerator? Generator, string? Reason)> _loaded = new(() => Load(source, log));

    public ITextToImageGenerator? Generator => _loaded.Value.Generator;

    /// <summary>Why no generator is available, or null when one is.</summary>
    public string? UnavailableReason => _loaded.Value.Reason;

    public int BaseResolution => Generator?.BaseResolution ?? FallbackResolution;

    public ITextToImageGenerator Require() => Generator ?? throw new GeneratorUnavailableException(UnavailableReason!);

    private static (ITextToImageGenerator?, string?) Load(IGeneratorSource source, ILogger log)
    {
        try
        {
            var started = DateTime.UtcNow;
            var generator = source.Load();
            log.LogInformation("Loaded model {ModelId} ({Resolution}px) in {Ms:F0} ms", generator.ModelId, generator.BaseResolution, (DateTime.UtcNow - started).TotalMilliseconds);
            return (generator, null);
        }
        catch (GeneratorUnavailableException ex)
        {
            log.LogWarning("No model available: {Reason}", ex.Message);
            return (null, ex.Message);
        }
        catch (Exception ex)
        {
            log.LogError(ex, "Loading the model failed");
            return (null, $"Loading the model failed: {ex.Message}");
        }
    }
}

/// <summary>Loads the model once at startup, off the request path, so the first job does not pay for it.</summary>
public sealed class GeneratorWarmup(GeneratorProvider provider) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        _ = Task.Run(() => provider.Generator, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>
/// The production source: a model checkpoint folder from configuration <c>T2I:Model</c>.
/// The DiT pipeline loader (<c>T2IPipeline</c>) is wired here once it is on main.
/// </summary>
public sealed class ConfiguredModelSource(IConfiguration config) : IGeneratorSource
{
    public ITextToImageGenerator Load()
    {
        string? path = config["T2I:Model"];
        if (string.IsNullOrWhiteSpace(path))
            throw new GeneratorUnavailableException("no model is configured. Set T2I:Model to a model checkpoint folder (e.g. --T2I:Model=/path/to/checkpoint).");
        if (!Directory.Exists(path) && !File.Exists(path))
            throw new GeneratorUnavailableException($"the configured model '{Path.GetFileName(path.TrimEnd('/'))}' (T2I:Model) does not exist.");
        throw new GeneratorUnavailableException("this build cannot load DiT checkpoints yet (the T2IPipeline loader is not wired in).");
    }
}
