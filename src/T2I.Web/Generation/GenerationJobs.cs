using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace T2I.Web.Generation;

/// <summary>
/// The link from a generation record to its Hangfire job. A record only remembers a job id, and job ids are
/// not unique forever: a fresh in-memory storage (or a recreated database) numbers its jobs from 1 again. So
/// before a record's job id is acted on, the job is checked to carry that record's generation id — the
/// argument of <see cref="GenerationJob.RunAsync"/> — and a job that does not is not that record's job.
/// </summary>
public static class GenerationJobs
{
    /// <summary>The generation id a <see cref="GenerationJob"/> was enqueued for; null for any other job.</summary>
    public static string? GenerationIdOf(Job? job) =>
        job is { Type: var type, Args: [string id, ..] } && type == typeof(GenerationJob) ? id : null;

    /// <summary>Whether job <paramref name="jobId"/> exists and runs <paramref name="generationId"/>.</summary>
    public static bool Carries(JobStorage storage, string jobId, string generationId) => StateOf(storage, jobId, generationId) is not null;

    /// <summary>
    /// The Hangfire state name (Enqueued, Processing, Deleted, …) of the record's job; null when the record has
    /// no job, the job is gone (an in-memory storage after a restart) or it is not this generation's job.
    /// </summary>
    public static string? StateOf(JobStorage storage, string? jobId, string generationId)
    {
        if (jobId is null) return null;
        using var connection = storage.GetConnection();
        var data = connection.GetJobData(jobId);
        return data is not null && GenerationIdOf(data.Job) == generationId ? data.State ?? "" : null;
    }

    /// <summary>States in which Hangfire will still run (or is running) the job.</summary>
    public static bool IsLive(string? state) => state is not null && LiveStates.Contains(state);

    private static readonly string[] LiveStates =
        [HeldState.StateName, EnqueuedState.StateName, ScheduledState.StateName, ProcessingState.StateName, AwaitingState.StateName];

    /// <summary>How long a submitted job waits if its submitter dies between creating and enqueueing it.</summary>
    public static readonly TimeSpan HeldFor = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Creates the generation's job, links the record to it and hands it to the fair scheduler (<see cref="HeldState"/>).
    /// The record learns its job id before any worker can start the job: a worker in another process writes the same
    /// record, and writing the id after enqueueing could overwrite its "running". The job is scheduled meanwhile; if this
    /// process dies right here, the schedule still runs it later (then outside the fair order).
    /// </summary>
    public static async Task<string> EnqueueAsync(IBackgroundJobClient jobs, GenerationStore store, GenerationRecord record,
        FairDispatcher dispatcher)
    {
        string id = record.Id;
        string jobId = jobs.Create<GenerationJob>(j => j.RunAsync(id, null, CancellationToken.None), new ScheduledState(HeldFor));
        await store.UpdateAsync(id, r => r! with { JobId = jobId }, CancellationToken.None);
        var entry = new HeldJob(record.CreatedAt.UtcTicks, record.Priority, HeldJob.SafeUser(record.ClientId),
            record.Parameters.Count * record.Parameters.Steps, jobId, id);
        jobs.ChangeState(jobId, new HeldState(entry), ScheduledState.StateName);
        dispatcher.Dispatch();
        return jobId;
    }
}
