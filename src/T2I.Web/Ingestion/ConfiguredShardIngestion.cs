using Microsoft.Extensions.Options;
using T2I.Core.Ingest;

namespace T2I.Web.Ingestion;

/// <summary>
/// Scheduled ingestion backed by the shared engine (<see cref="IngestionJob"/>, as `dataprep ingest` runs it), configured
/// by <see cref="IngestionOptions"/>. Registered only when input and output are set.
/// </summary>
public sealed class ConfiguredShardIngestion(IOptions<IngestionOptions> options, ILogger<IngestionJob> log) : IShardIngestion
{
    public async Task<string> RunAsync(CancellationToken ct)
    {
        var o = options.Value;
        string result = await new IngestionJob(log).RunAsync(o.Input!, o.Output!, o.ResolutionList(), o.Config, ct);
        log.LogInformation("Scheduled ingestion: {Result}", result);
        return result;
    }
}
