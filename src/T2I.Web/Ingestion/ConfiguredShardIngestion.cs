using T2I.Core.Ingest;

namespace T2I.Web.Ingestion;

/// <summary>
/// Scheduled ingestion backed by the shared engine (<see cref="IngestionJob"/>, as `dataprep ingest` runs it),
/// configured by <c>T2I:Ingestion:Input</c>,
/// <c>T2I:Ingestion:Output</c> (local paths or s3://bucket/prefix), <c>T2I:Ingestion:Resolutions</c> (e.g. "256,512")
/// and optional <c>T2I:Ingestion:Config</c> (filters.json). Registered only when input and output are set.
/// </summary>
public sealed class ConfiguredShardIngestion(IConfiguration config, ILogger<IngestionJob> log) : IShardIngestion
{
    public static bool IsConfigured(IConfiguration config) =>
        !string.IsNullOrWhiteSpace(config["T2I:Ingestion:Input"]) && !string.IsNullOrWhiteSpace(config["T2I:Ingestion:Output"]);

    public async Task<string> RunAsync(CancellationToken ct)
    {
        // Checked at start-up (SettingsCheck); the fallback covers a setting changed under a running host.
        int[] resolutions = ParseResolutions(config["T2I:Ingestion:Resolutions"] ?? "256")
            ?? throw new InvalidOperationException("T2I:Ingestion:Resolutions must be positive whole numbers separated by commas.");
        string result = await new IngestionJob(log).RunAsync(
            config["T2I:Ingestion:Input"]!, config["T2I:Ingestion:Output"]!, resolutions, config["T2I:Ingestion:Config"], ct);
        log.LogInformation("Scheduled ingestion: {Result}", result);
        return result;
    }

    /// <summary>The resolutions of <c>T2I:Ingestion:Resolutions</c>; null when any is not a positive number.</summary>
    public static int[]? ParseResolutions(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = parts.Select(p => int.TryParse(p, System.Globalization.CultureInfo.InvariantCulture, out int r) && r > 0 ? r : 0)
            .ToArray();
        return values.Length > 0 && values.All(r => r > 0) ? values : null;
    }
}
