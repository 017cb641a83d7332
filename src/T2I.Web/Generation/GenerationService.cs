using System.Globalization;
using Hangfire;
using T2I.Core.Inference;
using T2I.Web.Clients;

namespace T2I.Web.Generation;

/// <summary><see cref="UserQueueFull"/>: this user has as many generations waiting as one user may.</summary>
/// <see cref="QuotaUsed"/>: the API key's image quota would be exceeded.
public enum SubmitOutcome { Accepted, Invalid, ModelUnavailable, RateLimited, QueueFull, UserQueueFull, QuotaUsed }

/// <param name="RetryAfter">For the refusals of a limit (rate, queue, user's queue): when to retry.</param>
public sealed record SubmitResult(SubmitOutcome Outcome, string? Id = null, string? Error = null, TimeSpan? RetryAfter = null);

public enum CancelOutcome { Canceled, Stopping, AlreadyFinished, NotFound }

/// <summary>What a page or an API caller sees of one generation right now.</summary>
/// <paramref name="Interrupted"/>: running, but its worker died; it resumes when another worker takes the job over.
/// <paramref name="Eta"/>: for a queued one, roughly how long until it starts (null until step times are measured).
public sealed record GenerationView(GenerationRecord Record, int? QueuePosition, LiveProgress? Progress, bool Interrupted = false,
    TimeSpan? Eta = null)
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
    QueueLimit queueLimit, FairDispatcher dispatcher, GenerationStats stats, TimeProvider clock)
{
    public GenerationTracker Tracker => tracker;

    public const string RateLimitedMessage = "Too many submissions; wait a minute and try again.";

    public const string QuotaMessage = "This API key has used its image quota ({0} images); ask an admin for more.";

    /// <summary>
    /// The caller's rate key is charged only once the request is valid and a model can run it, so mistakes never use up
    /// a client's submissions; a refusal for a full queue or a used-up quota costs none either.
    /// </summary>
    public async Task<SubmitResult> SubmitAsync(Caller caller, GenerationRequest p, CancellationToken ct = default)
    {
        if (provider.UnavailableReason is { } reason) return new(SubmitOutcome.ModelUnavailable, Error: $"No model is loaded: {reason}");
        if (GenerationValidator.Validate(p, provider.BaseResolution) is { } error) return new(SubmitOutcome.Invalid, Error: error);
        if (queueLimit.IsFull()) return new(SubmitOutcome.QueueFull, Error: QueueLimit.FullMessage, RetryAfter: QueueLimit.RetryAfter);
        if (queueLimit.UserRefusal(caller.Owner) is { } full)
            return new(SubmitOutcome.UserQueueFull, Error: full, RetryAfter: QueueLimit.RetryAfter);
        if (caller.Key is { MaxImages: { } quota } && stats.Usage(caller.Owner).ImagesSubmitted + p.Count > quota)
            return new(SubmitOutcome.QuotaUsed, Error: string.Format(CultureInfo.InvariantCulture, QuotaMessage, quota));
        if (limiter.TryAcquire(caller.RateKey, caller.Key?.SubmitsPerMinute) is { } retryAfter)
            return new(SubmitOutcome.RateLimited, Error: RateLimitedMessage, RetryAfter: retryAfter);

        string clientId = caller.Owner;
        bool priority = caller.Priority;
        var record = new GenerationRecord(GenerationStore.NewId(), clientId, p.WithDrawnSeed(), GenerationStatus.Queued,
            clock.GetUtcNow(), Priority: priority);
        await store.AddAsync(record, ct);
        stats.Submitted(clientId, p.Count);
        await GenerationJobs.EnqueueAsync(jobs, store, record, dispatcher);
        positions.Invalidate();
        return new(SubmitOutcome.Accepted, record.Id);
    }

    public async Task<GenerationView?> GetAsync(string id, CancellationToken ct = default) =>
        await store.GetAsync(id, ct) is { } record ? View(record) : null;

    public async Task<IReadOnlyList<GenerationView>> ListAsync(string clientId, int max = 100, CancellationToken ct = default) =>
        (await store.ListAsync(clientId, max, ct)).Select(View).ToList();

    public GenerationView View(GenerationRecord r)
    {
        if (r.Status == GenerationStatus.Queued) return new(r, positions.PositionOf(r.Id), null, Eta: positions.EtaOf(r.Id));
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
