using T2I.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace T2I.Core.Ingest;

/// <summary>
/// One whole ingestion in this process, as `training demo` runs it: every phase over every shard. Safe beside other
/// runs into the same output — every unit of work writes only its own deterministic objects and claims its commit
/// with a create-if-absent write — so no output-wide lease is needed. Retries are the scheduler's business; a
/// rerun resumes from the commits.
/// </summary>
public sealed class IngestionJob(ILogger<IngestionJob>? logger = null)
{
    private readonly ILogger _log = logger ?? NullLogger<IngestionJob>.Instance;

    public async Task<string> RunAsync(string input, string output, int[] resolutions, string? configPath, CancellationToken ct)
    {
        var runner = new IngestRunner(BlobStores.Open(input), BlobStores.Open(output), resolutions, FilterConfig.Load(configPath));
        var summary = await runner.RunAsync(null, ct);
        _log.LogInformation("Ingested {Shards} new shards ({Samples} samples, {Kept} kept) into {Output}",
            summary.ShardsIngested, summary.Samples, summary.Kept, output);
        return $"ingested {summary.ShardsIngested} shards, {summary.Samples} samples, {summary.Kept} kept";
    }
}
