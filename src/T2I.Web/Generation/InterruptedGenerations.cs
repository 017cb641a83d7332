using Hangfire;

namespace T2I.Web.Generation;

/// <summary>
/// On start-up, finds generations that a previous process left queued or running although Hangfire no longer
/// holds a job for them — every one of them with the in-memory storage, whose queue dies with the process,
/// and with PostgreSQL those whose job was lost (a recreated database). Embedded storage (one process owns
/// the records): they are queued again, and images drawn before the restart are kept. Shared storage (other
/// processes may be acting on the same records right now): they are failed with the reason, since a second
/// process re-queueing the same record could run it twice. A generation interrupted
/// <see cref="MaxInterruptions"/> times fails too, so a job that takes the process down cannot loop forever.
/// Jobs that Hangfire still holds are left to it (PostgreSQL and SQLite resume them), except, with embedded storage,
/// one whose generation was already started that many times: its job is deleted.
/// </summary>
public sealed class InterruptedGenerations(
    GenerationStore store, IBackgroundJobClient jobs, JobStorage storage, GenerationStoreOptions options, TimeProvider clock,
    FairDispatcher dispatcher, ILogger<InterruptedGenerations> log) : IHostedService
{
    public const int MaxInterruptions = 3;
    public const string LostReason = "Interrupted by a server restart, and its queued job was lost; submit it again.";
    public const string RepeatedReason = "Interrupted by server restarts {0} times; not retried again.";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var startedAt = clock.GetUtcNow();
        int requeued = 0, failed = 0;
        foreach (var record in await store.UnfinishedAsync(cancellationToken))
        {
            if (record.IsTerminal || record.CreatedAt >= startedAt) continue;
            if (GenerationJobs.IsLive(GenerationJobs.StateOf(storage, record.JobId, record.Id)))
            {
                // Embedded: "running" at start-up means the last process died running it; Hangfire would start it again.
                if (!options.Shared && record is { Status: GenerationStatus.Running, Attempts: >= MaxInterruptions }
                    && await FailAsync(record, string.Format(RepeatedReason, record.Attempts)))
                {
                    jobs.Delete(record.JobId!);
                    failed++;
                }
                continue;
            }
            // Shared storage: a record without a job yet may belong to a submitter still linking it (see EnqueueAsync).
            if (options.Shared && record.JobId is null && startedAt - record.CreatedAt < GenerationJobs.HeldFor) continue;
            if (!options.Shared && record.Attempts < MaxInterruptions)
            {
                if (await RequeueAsync(record)) requeued++;
            }
            else if (await FailAsync(record, options.Shared ? LostReason : string.Format(RepeatedReason, record.Attempts))) failed++;
        }
        if (requeued + failed > 0)
            log.LogWarning("Generations interrupted by a restart: {Requeued} queued again, {Failed} failed", requeued, failed);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Only if the record still names the job found gone: a cancel meanwhile wins.</summary>
    private async Task<bool> RequeueAsync(GenerationRecord stale)
    {
        var after = await store.UpdateAsync(stale.Id, r =>
            Unchanged(r, stale) ? r! with { Status = GenerationStatus.Queued, StartedAt = null } : null);
        if (after is not { Status: GenerationStatus.Queued } || !Unchanged(after, stale)) return false;
        await GenerationJobs.EnqueueAsync(jobs, store, after, dispatcher);
        return true;
    }

    private async Task<bool> FailAsync(GenerationRecord stale, string reason)
    {
        var after = await store.UpdateAsync(stale.Id, r => Unchanged(r, stale)
            ? r! with { Status = GenerationStatus.Failed, FinishedAt = clock.GetUtcNow(), Error = reason }
            : null);
        return after is { Status: GenerationStatus.Failed } && after.Error == reason;
    }

    private static bool Unchanged(GenerationRecord? current, GenerationRecord stale) =>
        current is { IsTerminal: false } && current.JobId == stale.JobId;
}
