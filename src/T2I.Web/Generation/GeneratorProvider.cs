using T2I.Core;
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
/// The production source, from configuration <c>T2I:Model</c>: <c>untrained</c> (or <c>untrained:512</c>) serves
/// the DiT engineer's randomly initialised tiny pipeline — labelled as such in its model id, for trying the
/// queue and page before a trained model exists; a checkpoint path is refused plainly until T2I.Core has a
/// whole-pipeline loader (DiT + text encoder + tokenizer decoder).
/// </summary>
public sealed class ConfiguredModelSource(IConfiguration config) : IGeneratorSource
{
    public const string Untrained = "untrained";

    public ITextToImageGenerator Load()
    {
        string? model = config["T2I:Model"];
        if (string.IsNullOrWhiteSpace(model))
            throw new GeneratorUnavailableException("no model is configured. Set T2I:Model to a model checkpoint, or to 'untrained' to try the app with random weights.");
        if (model == Untrained || model.StartsWith(Untrained + ":", StringComparison.Ordinal))
        {
            int resolution = model.Length > Untrained.Length && int.TryParse(model[(Untrained.Length + 1)..], out int r) ? r : 256;
            return T2IPipeline.CreateUntrained(resolution, device: TorchRuntime.ResolveDevice(config["T2I:Device"] ?? "auto"));
        }
        if (!Directory.Exists(model) && !File.Exists(model))
            throw new GeneratorUnavailableException($"the configured model '{Path.GetFileName(model.TrimEnd('/'))}' (T2I:Model) does not exist.");
        throw new GeneratorUnavailableException("this build cannot load trained checkpoints into a full pipeline yet (DiT + text encoder + tokenizer decoder); use T2I:Model=untrained to try the app.");
    }
}
