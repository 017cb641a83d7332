using Hangfire;
using T2I.Core.Inference;
using T2I.Web.Clients;

namespace T2I.Web.Generation;

public enum SubmitOutcome { Accepted, Invalid, ModelUnavailable, RateLimited, QueueFull }

/// <param name="RetryAfter">For <see cref="SubmitOutcome.RateLimited"/> and <see cref="SubmitOutcome.QueueFull"/>: when to retry.</param>
public sealed record SubmitResult(SubmitOutcome Outcome, string? Id = null, string? Error = null, TimeSpan? RetryAfter = null);

public enum CancelOutcome { Canceled, Stopping, AlreadyFinished, NotFound }

/// <summary>What a page or an API caller sees of one generation right now.</summary>
/// <paramref name="Interrupted"/>: running, but its worker died; it resumes when another worker takes the job over.
public sealed record GenerationView(GenerationRecord Record, int? QueuePosition, LiveProgress? Progress, bool Interrupted = false)
{
    public string Id => Record.Id;
    public GenerationStatus Status => Record.Status;
}

/// <summary>
/// Submitting, cancelling and looking at generations. A client's list is scoped by its client id (cookie);
/// a single generation is addressed by its id, which is the capability: 128 random bits that only its
/// submitter is told (in the submit answer and its own list), so a script without cookies can follow its own
/// jobs, and whoever is handed the id (a shared image link) can read that generation and cancel it.
/// </summary>
public sealed class GenerationService(
    GenerationStore store, GenerationTracker tracker, SharedProgress shared, GeneratorProvider provider,
    IBackgroundJobClient jobs, JobStorage storage, QueuePositions positions, WorkerLiveness workers, SubmitLimiter limiter,
    QueueLimit queueLimit, TimeProvider clock)
{
    public GenerationTracker Tracker => tracker;

    public const string RateLimitedMessage = "Too many submissions; wait a minute and try again.";

    /// <param name="rateKey">The submitter's key in the <see cref="SubmitLimiter"/> (its address); charged only
    /// once the request is valid and a model can run it, so mistakes never use up a client's submissions.</param>
    public async Task<SubmitResult> SubmitAsync(string clientId, string rateKey, GenerationRequest p, CancellationToken ct = default)
    {
        if (provider.UnavailableReason is { } reason) return new(SubmitOutcome.ModelUnavailable, Error: $"No model is loaded: {reason}");
        if (GenerationValidator.Validate(p, provider.BaseResolution) is { } error) return new(SubmitOutcome.Invalid, Error: error);
        // Before the rate limit: a refusal for a full queue costs the client no submission.
        if (queueLimit.IsFull()) return new(SubmitOutcome.QueueFull, Error: QueueLimit.FullMessage, RetryAfter: QueueLimit.RetryAfter);
        if (limiter.TryAcquire(rateKey) is { } retryAfter)
            return new(SubmitOutcome.RateLimited, Error: RateLimitedMessage, RetryAfter: retryAfter);

        var record = new GenerationRecord(GenerationStore.NewId(), clientId, p.WithDrawnSeed(), GenerationStatus.Queued,
            clock.GetUtcNow());
        await store.AddAsync(record, ct);
        await GenerationJobs.EnqueueAsync(jobs, store, record.Id);
        positions.Invalidate();
        return new(SubmitOutcome.Accepted, record.Id);
    }

    public async Task<GenerationView?> GetAsync(string id, CancellationToken ct = default) =>
        await store.GetAsync(id, ct) is { } record ? View(record) : null;

    public async Task<IReadOnlyList<GenerationView>> ListAsync(string clientId, int max = 100, CancellationToken ct = default) =>
        (await store.ListAsync(clientId, max, ct)).Select(View).ToList();

    public GenerationView View(GenerationRecord r)
    {
        if (r.Status == GenerationStatus.Queued) return new(r, positions.PositionOf(r.Id), null);
        if (r.Status != GenerationStatus.Running) return new(r, null, null);
        if (tracker.Progress(r.Id) is { } here) return new(r, null, here);
        // Progress a dead worker last wrote is frozen: show the interruption instead.
        return IsInterrupted(r) ? new(r, null, null, Interrupted: true) : new(r, null, shared.Read(r.JobId));
    }

    private bool IsInterrupted(GenerationRecord r) => !tracker.IsRunningHere(r.Id) && workers.IsInterrupted(r);

    /// <summary>A generation's image bytes, exactly as the generator wrote them (with the <c>parameters</c> chunk).</summary>
    public async Task<byte[]?> ImageAsync(string id, int index, CancellationToken ct = default)
    {
        var record = await store.GetAsync(id, ct);
        if (record is null || index < 0 || index >= record.ImagesDone) return null;
        return await store.ReadImageAsync(id, index, ct);
    }

    /// <summary>
    /// Queued: the job is deleted and never starts. Running: the sampler stops at its next step (this
    /// process) and Hangfire's deletion stops it on any other server. Running but with no live job behind it
    /// (its job vanished with an in-memory storage, or its worker died): cancelled at once, as nothing will
    /// ever report back.
    /// </summary>
    public async Task<CancelOutcome> CancelAsync(string id, CancellationToken ct = default)
    {
        var record = await store.GetAsync(id, ct);
        if (record is null) return CancelOutcome.NotFound;
        if (record.IsTerminal) return CancelOutcome.AlreadyFinished;
        string? jobState = GenerationJobs.StateOf(storage, record.JobId, id);
        bool orphaned = !GenerationJobs.IsLive(jobState) && !tracker.IsRunningHere(id) || IsInterrupted(record);
        var after = await store.UpdateAsync(id, r =>
            r is { Status: GenerationStatus.Queued } || (orphaned && r is { Status: GenerationStatus.Running })
            ? r with { Status = GenerationStatus.Canceled, FinishedAt = clock.GetUtcNow() }
            : r, ct);
        if (after is null || (after.IsTerminal && after.Status != GenerationStatus.Canceled)) return CancelOutcome.AlreadyFinished;
        if (after.Status == GenerationStatus.Running) tracker.RequestCancel(id);
        if (jobState is not null) jobs.Delete(after.JobId!);
        positions.Invalidate();
        return after.Status == GenerationStatus.Canceled ? CancelOutcome.Canceled : CancelOutcome.Stopping;
    }
}
