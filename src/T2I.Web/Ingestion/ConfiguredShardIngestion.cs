using Microsoft.Extensions.Options;
using T2I.Core.Ingest;
using T2I.Core.Storage;

namespace T2I.Web.Ingestion;

/// <summary>
/// Ingestion on the Hangfire workers, configured by <see cref="IngestionOptions"/>: the engine's steps
/// (<see cref="IngestSteps"/>) turned into one job per unit on the maintenance queue, which any number of worker
/// processes serve. Registered only when input and output are set.
/// </summary>
public sealed class ConfiguredShardIngestion(IOptions<IngestionOptions> options, IngestionUnitQueue queue,
    ILogger<ConfiguredShardIngestion> log) : IShardIngestion
{
    public async Task<string> RunAsync(CancellationToken ct) => Enqueue(await Steps().NextAsync(ct));

    public async Task<string> RunUnitAsync(IngestPhase phase, string unit, CancellationToken ct)
    {
        var steps = Steps();
        string result = await steps.RunUnitAsync(phase, unit, ct);
        if (phase == IngestPhase.Write) return result;
        // The last unit of a phase to finish hands over to the next phase; the queue enqueues each unit once.
        var next = await steps.NextAsync(ct);
        if (next.Phase != phase && !next.Done) log.LogInformation("Ingestion phase {Phase} complete: {Next}", phase, Enqueue(next));
        return result;
    }

    private string Enqueue(IngestStep step)
    {
        if (step.Done) return "nothing to ingest";
        int enqueued = queue.Enqueue(step);
        string phase = step.Phase.ToString().ToLowerInvariant();
        return enqueued == step.Units.Count ? $"{enqueued} {phase} units enqueued"
            : $"{enqueued} of {step.Units.Count} {phase} units enqueued (the others are queued or running)";
    }

    private IngestSteps Steps()
    {
        var o = options.Value;
        return new IngestSteps(new IngestRunner(BlobStores.Open(o.Input!), BlobStores.Open(o.Output!), o.ResolutionList(),
            FilterConfig.Load(o.Config)));
    }
}
