using T2I.DataPrep.Ingest;

namespace T2I.Web.Ingestion;

/// <summary>
/// Scheduled ingestion backed by DataPrep's <see cref="IngestionJob"/>, configured by <c>T2I:Ingestion:Input</c>,
/// <c>T2I:Ingestion:Output</c> (local paths or s3://bucket/prefix), <c>T2I:Ingestion:Resolutions</c> (e.g. "256,512")
/// and optional <c>T2I:Ingestion:Config</c> (filters.json). Registered only when input and output are set.
/// </summary>
public sealed class DataPrepShardIngestion(IConfiguration config, ILogger<IngestionJob> log) : IShardIngestion
{
    public static bool IsConfigured(IConfiguration config) =>
        !string.IsNullOrWhiteSpace(config["T2I:Ingestion:Input"]) && !string.IsNullOrWhiteSpace(config["T2I:Ingestion:Output"]);

    public async Task<string> RunAsync(CancellationToken ct)
    {
        // Checked at start-up (SettingsCheck); the fallback covers a setting changed under a running host.
        int[] resolutions = Hosting.SettingsCheck.ParseResolutions(config["T2I:Ingestion:Resolutions"] ?? "256")
            ?? throw new Hosting.InvalidSettingsException("T2I:Ingestion:Resolutions must be positive whole numbers separated by commas.");
        string result = await new IngestionJob(log).RunAsync(
            config["T2I:Ingestion:Input"]!, config["T2I:Ingestion:Output"]!, resolutions, config["T2I:Ingestion:Config"], ct);
        log.LogInformation("Scheduled ingestion: {Result}", result);
        return result;
    }
}
