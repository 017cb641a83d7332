using Hangfire;
using Hangfire.States;
using Hangfire.Storage;
using T2I.Core.Ingest;
using T2I.Web.Generation;

namespace T2I.Web.Ingestion;

/// <summary>
/// Enqueues a step's units as <see cref="IngestionUnitJob"/>s, each only when no live job (enqueued, scheduled for a
/// retry, processing) already carries it. Without this, every repeat of a phase's last unit and every plan run while
/// units were in flight enqueued the whole next phase again: each worker then redid or re-read every shard. A hash in
/// the queue's own storage maps "phase/unit" to its job id, read and written under a distributed lock, so two workers
/// finishing a phase together enqueue its successor once. A worker killed mid-unit leaves its job Processing; Hangfire
/// hands that job to another worker after the invisibility timeout, and this does not enqueue a second copy meanwhile.
/// </summary>
public sealed class IngestionUnitQueue(JobStorage storage, IBackgroundJobClient jobs)
{
    private const string Registry = "t2i:ingestion-units";
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(1);

    /// <summary>Enqueues the units of <paramref name="step"/> that have no live job; returns how many it enqueued.</summary>
    public int Enqueue(IngestStep step)
    {
        using var connection = storage.GetConnection();
        using var held = connection.AcquireDistributedLock(Registry + ":lock", LockTimeout);
        var known = connection.GetAllEntriesFromHash(Registry) ?? new Dictionary<string, string>();
        var added = new Dictionary<string, string>();
        foreach (string unit in step.Units)
        {
            string key = $"{step.Phase}/{unit}";
            if (known.TryGetValue(key, out var jobId) && IsLive(connection, jobId, step.Phase, unit)) continue;
            added[key] = jobs.Create<IngestionUnitJob>(j => j.RunAsync(step.Phase, unit, CancellationToken.None),
                new EnqueuedState(ShardIngestionJob.Queue));
        }
        // A crash before this line leaves jobs unregistered: the next call enqueues them again, a harmless repeat.
        if (added.Count > 0) connection.SetRangeInHash(Registry, added);
        return added.Count;
    }

    // The job must still carry this unit: job ids of a recreated storage start over.
    private static bool IsLive(IStorageConnection connection, string jobId, IngestPhase phase, string unit) =>
        connection.GetJobData(jobId) is { Job: { Args: [IngestPhase p, string u, ..] } job } data
        && job.Type == typeof(IngestionUnitJob) && p == phase && u == unit && GenerationJobs.IsLive(data.State);
}
