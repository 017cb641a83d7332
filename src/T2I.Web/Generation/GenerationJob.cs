using Hangfire;
using Hangfire.Server;
using T2I.Core.Inference;

namespace T2I.Web.Generation;

/// <summary>
/// The Hangfire job that draws one generation's images with the process's single generator.
/// Retries: none (<c>Attempts = 0</c>). Inputs are validated before enqueueing and sampling is deterministic,
/// so a failing job (bad model, out of memory, NaNs) fails the same way again and a retry only delays the
/// user's error by a full generation; the user resubmits with "reuse these settings". A server restart is not
/// a failure: Hangfire re-queues the interrupted job and images already written are not drawn again.
/// </summary>
public sealed class GenerationJob(GenerationStore store, GenerationTracker tracker, GeneratorProvider provider, JobStorage storage,
    SharedProgress shared, Microsoft.Extensions.Options.IOptions<WorkerOptions> workers, FairDispatcher dispatcher,
    StepTimes stepTimes, GenerationStats stats, ILogger<GenerationJob> log)
{
    public const string Queue = "generation";

    /// <summary>A preview is rendered by the generator every few steps; the page shows the latest.</summary>
    [Queue(Queue)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    [JobDisplayName("generate {0}")]
    public async Task RunAsync(string generationId, PerformContext? context, CancellationToken cancellationToken)
    {
        var record = await store.UpdateAsync(generationId, r => r is { IsTerminal: false }
            ? r with { Status = GenerationStatus.Running, StartedAt = DateTimeOffset.UtcNow, Attempts = r.Attempts + 1, Error = null }
            : null);
        if (record is not { Status: GenerationStatus.Running })
        {
            log.LogInformation("Generation {Id} is {Status}; nothing to run", generationId, record?.Status.ToString() ?? "unknown");
            return;
        }

        using var cts = tracker.BeginRun(generationId, cancellationToken);
        try
        {
            var generator = provider.Require();
            // Checked at submit; again here, as the record may predate the model or limits this worker has.
            if (GenerationValidator.Validate(record.Parameters, generator.BaseResolution) is { } invalid)
                throw new InvalidGenerationException(invalid);
            var published = shared.PublisherFor(record.JobId);
            string modelId = generator.ModelId;
            int count = record.Parameters.Count, drawn = 0;
            while (drawn < count && await store.HasImageAsync(generationId, drawn, cts.Token)) drawn++; // drawn before a restart
            var clock = System.Diagnostics.Stopwatch.StartNew();
            int drawnBefore = drawn;
            if (drawn > record.ImagesDone)
                await store.UpdateAsync(generationId, r => r! with { ImagesDone = Math.Max(r.ImagesDone, drawn) });
            foreach (var chunk in GenerationBatch.Chunks(count - drawn, workers.Value.MaxBatch))
            {
                int first = drawn + chunk.Start.Value, end = drawn + chunk.End.Value;
                var requests = Enumerable.Range(first, end - first).Select(record.Parameters.ForImage).ToArray();
                var images = generator.GenerateBatch(requests, new StepReporter(tracker, published, generationId, first, count),
                    cts.Token);
                for (int i = 0; i < images.Count; i++) await store.SaveImageAsync(generationId, first + i, images[i].Png, cts.Token);
                modelId = images[0].ModelId;
                await store.UpdateAsync(generationId, r => r! with { ImagesDone = end, ModelId = modelId });
            }
            stepTimes.Record((count - drawnBefore) * record.Parameters.Steps, clock.Elapsed);
            stats.Drawn(record.ClientId, count - drawnBefore);
            await Finish(generationId, GenerationStatus.Succeeded, null, modelId);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            if (tracker.CancelRequested(generationId) || IsDeleted(context))
            {
                await Finish(generationId, GenerationStatus.Canceled, null, null);
                return; // Hangfire already holds the job as Deleted; completing quietly keeps it that way
            }
            // Server shutdown: Hangfire re-queues the job; show it as queued until a server picks it up again.
            await store.UpdateAsync(generationId, r => r! with { Status = GenerationStatus.Queued });
            throw;
        }
        catch (Exception ex)
        {
            log.LogError(ex, "Generation {Id} failed", generationId);
            await Finish(generationId, GenerationStatus.Failed, UserMessage(ex), null);
            throw;
        }
        finally
        {
            tracker.EndRun(generationId);
            DispatchNext();
        }
    }

    /// <summary>This worker is free: the next held job in fair order may move into the queue.</summary>
    private void DispatchNext()
    {
        try { dispatcher.Dispatch(); }
        catch (Exception ex) { log.LogWarning("Dispatching after generation failed: {Error}", ex.Message); } // the loop retries
    }

    private Task Finish(string id, GenerationStatus status, string? error, string? modelId) =>
        store.UpdateAsync(id, r => r! with
        {
            Status = status,
            FinishedAt = DateTimeOffset.UtcNow,
            Error = error,
            ModelId = modelId ?? r.ModelId
        });

    private bool IsDeleted(PerformContext? context)
    {
        if (context is null) return false;
        using var connection = storage.GetConnection();
        return connection.GetStateData(context.BackgroundJob.Id)?.Name == Hangfire.States.DeletedState.StateName;
    }

    /// <summary>The message users see: the reason, never a stack trace.</summary>
    private static string UserMessage(Exception ex) => ex switch
    {
        GeneratorUnavailableException => $"No model is loaded: {ex.Message}",
        InvalidGenerationException => ex.Message,
        _ => $"Generation failed: {ex.Message}",
    };

    /// <summary>A stored request this worker cannot draw; its message is the user's.</summary>
    private sealed class InvalidGenerationException(string message) : Exception(message);

    /// <summary>
    /// Forwards sampler steps synchronously (so they arrive in order) to this process's tracker and, for pages
    /// served by other processes, to the shared storage.
    /// </summary>
    private sealed class StepReporter(GenerationTracker tracker, IProgress<LiveProgress> published, string id, int image,
        int imageCount) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress p)
        {
            var live = new LiveProgress(image, imageCount, p.Step, p.TotalSteps, p.PreviewPng);
            tracker.Report(id, live);
            published.Report(live);
        }
    }
}
