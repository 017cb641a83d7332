using T2I.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace T2I.Core.Ingest;

/// <summary>
/// One run of shard ingestion under the output's lease, as the web host's scheduled job and `training demo` run it:
/// lists the input prefix and ingests the shards not yet in the output manifest. Safe when two servers fire at
/// once — the output's <see cref="IngestLease"/> lets one run, the other returns. Retries are the scheduler's
/// business (the web host's Hangfire job states its own policy); a rerun resumes from the manifest anyway.
/// </summary>
public sealed class IngestionJob(ILogger<IngestionJob>? logger = null)
{
    private readonly ILogger _log = logger ?? NullLogger<IngestionJob>.Instance;

    public static readonly TimeSpan LeaseTtl = TimeSpan.FromMinutes(2);

    public async Task<string> RunAsync(string input, string output, int[] resolutions, string? configPath, CancellationToken ct)
    {
        var config = FilterConfig.Load(configPath);
        var outStore = BlobStores.Open(output);
        var (lease, holder) = await IngestLease.TryAcquireAsync(outStore, LeaseTtl, TimeSpan.FromMilliseconds(500), ct);
        if (lease is null)
        {
            _log.LogInformation("Ingestion into {Output} skipped: held by {Owner} on {Host} until {Expires}", output,
                holder?.Owner, holder?.Host, holder?.ExpiresUtc);
            return $"skipped: {output} is being ingested by another server";
        }
        await using (lease)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
            var runner = new IngestRunner(BlobStores.Open(input), outStore, resolutions, config);
            var summary = await runner.RunAsync(null, linked.Token);
            _log.LogInformation("Ingested {Shards} new shards ({Samples} samples, {Kept} kept) into {Output}",
                summary.ShardsIngested, summary.Samples, summary.Kept, output);
            return $"ingested {summary.ShardsIngested} shards, {summary.Samples} samples, {summary.Kept} kept";
        }
    }
}
