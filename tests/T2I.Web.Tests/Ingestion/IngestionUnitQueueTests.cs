using Hangfire;
using Hangfire.InMemory;
using Hangfire.States;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using T2I.Core.Ingest;
using T2I.Core.Storage;
using T2I.Core.Synthesis;
using T2I.Web.Ingestion;

namespace T2I.Web.Tests.Ingestion;

/// <summary>
/// Each ingestion unit is enqueued once while a job for it lives. Found in CI: a repeated last unit of a phase (and
/// two workers finishing a phase together) enqueued the whole next phase again, so every shard was written twice
/// and a killed worker's unit was done by the copy instead of being taken over.
/// </summary>
public sealed class IngestionUnitQueueTests : IDisposable
{
    private readonly InMemoryStorage storage = new(new InMemoryStorageOptions { IdType = InMemoryStorageIdType.Guid });
    private readonly string root = Directory.CreateTempSubdirectory("t2i-unit-queue-").FullName;

    [Fact]
    public async Task ARepeatedLastDedupUnitDoesNotEnqueueTheWritePhaseAgain()
    {
        string input = Path.Combine(root, "raw"), output = Path.Combine(root, "out");
        await SyntheticShards.WriteAsync(new LocalBlobStore(input), count: 12, shards: 3, seed: 4, defectShare: 0);
        var steps = new IngestSteps(new IngestRunner(new LocalBlobStore(input), new LocalBlobStore(output), [256], FilterConfig.Load(null)));
        for (var step = await steps.NextAsync(default); step.Phase != IngestPhase.Write; step = await steps.NextAsync(default))
            foreach (string unit in step.Units) await steps.RunUnitAsync(step.Phase, unit, default);
        var ingestion = new ConfiguredShardIngestion(Options.Create(new IngestionOptions { Input = input, Output = output }),
            new IngestionUnitQueue(storage, new BackgroundJobClient(storage)), NullLogger<ConfiguredShardIngestion>.Instance);

        await ingestion.RunUnitAsync(IngestPhase.Dedup, "0", default);
        await ingestion.RunUnitAsync(IngestPhase.Dedup, "0", default);
        await ingestion.RunAsync(default); // the plan, run while the write units are queued

        Assert.Equal(["00000.tar", "00001.tar", "00002.tar"], QueuedUnits(IngestPhase.Write).Order());
    }

    [Fact]
    public void TwoWorkersHandingOverAtOnceEnqueueEachUnitOnce()
    {
        var queue = new IngestionUnitQueue(storage, new BackgroundJobClient(storage));
        var step = new IngestStep(IngestPhase.Write, Enumerable.Range(0, 50).Select(i => $"{i:D5}.tar").ToList());

        int[] enqueued = [0, 0];
        Parallel.For(0, 2, i => enqueued[i] = queue.Enqueue(step));

        Assert.Equal(50, enqueued.Sum());
        Assert.Equal(step.Units, QueuedUnits(IngestPhase.Write).Order());
    }

    [Fact]
    public void AUnitWhoseJobWasDeletedIsEnqueuedAgainALiveOneIsNot()
    {
        var client = new BackgroundJobClient(storage);
        var queue = new IngestionUnitQueue(storage, client);
        Assert.Equal(2, queue.Enqueue(new IngestStep(IngestPhase.Screen, ["a.tar", "b.tar"])));
        string deleted = storage.GetMonitoringApi().EnqueuedJobs(ShardIngestionJob.Queue, 0, 10)
            .Single(j => (string)j.Value.Job.Args[1] == "a.tar").Key;
        // Deleted from the dashboard, or failed past its retries (a plain failure is rescheduled: still live).
        client.ChangeState(deleted, new DeletedState());

        Assert.Equal(2, queue.Enqueue(new IngestStep(IngestPhase.Screen, ["a.tar", "b.tar", "c.tar"])));
        Assert.Equal(["a.tar", "b.tar", "c.tar"], QueuedUnits(IngestPhase.Screen).Order());
    }

    private IEnumerable<string> QueuedUnits(IngestPhase phase) =>
        storage.GetMonitoringApi().EnqueuedJobs(ShardIngestionJob.Queue, 0, 1000)
            .Where(j => j.Value.InEnqueuedState && j.Value.Job is { Args: [IngestPhase p, ..] } && p == phase)
            .Select(j => (string)j.Value.Job.Args[1]);

    public void Dispose()
    {
        storage.Dispose();
        Directory.Delete(root, recursive: true);
    }
}
