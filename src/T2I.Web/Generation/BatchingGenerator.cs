using T2I.Core.Inference;

namespace T2I.Web.Generation;

/// <summary>
/// Lets the jobs one process holds at once share sampling runs: a job's call waits while the model is busy, and the
/// next run takes the oldest waiting call with every waiting call compatible with it (<see cref="GenerationBatch"/>), up to
/// <paramref name="maxBatch"/> images, in one batched forward. One caller runs each batch on its own thread; the others
/// are handed their images. A caller cancelled mid-run returns at once (its images are dropped); the run itself stops
/// only when every caller in it has cancelled. <paramref name="onRun"/> hears each run's size in images. A run short of
/// <paramref name="maxBatch"/> images waits <paramref name="gather"/> for more callers first (zero with one worker: nobody
/// else could come).
/// </summary>
public sealed class BatchingGenerator(ITextToImageGenerator inner, int maxBatch, Action<int>? onRun = null, TimeSpan gather = default)
    : ITextToImageGenerator
{
    /// <summary>How long a short run waits for more callers when several workers feed it (a few % of a 128-px job).</summary>
    public static readonly TimeSpan GatherWindow = TimeSpan.FromMilliseconds(25);

    private readonly Lock _lock = new();
    private readonly List<Call> _waiting = [];
    private bool _running;

    public string ModelId => inner.ModelId;
    public int BaseResolution => inner.BaseResolution;
    public ITextToImageGenerator Inner => inner;

    /// <summary>Sizes (in images) of the runs drawn so far, for the admin page.</summary>
    public BatchSizeCounts BatchSizes { get; } = new();

    public GeneratedImage Generate(GenerationRequest request, IProgress<GenerationProgress>? progress = null,
        CancellationToken ct = default) => GenerateBatch([request], progress, ct)[0];

    public IReadOnlyList<GeneratedImage> GenerateBatch(IReadOnlyList<GenerationRequest> requests,
        IProgress<GenerationProgress>? progress = null, CancellationToken ct = default)
    {
        if (GenerationBatch.Refusal(requests) is { } refusal) throw new ArgumentException(refusal, nameof(requests));
        var call = new Call(requests.Select(r => r.WithDrawnSeed()).ToArray(), progress, ct);
        using var registration = ct.Register(() => Cancel(call));
        bool drain;
        lock (_lock)
        {
            _waiting.Add(call);
            drain = !_running;
            _running = true;
        }
        // Sampling runs on a thread of its own, so a caller that is cancelled returns at once even if its images
        // were being drawn with others'.
        if (drain) _ = Task.Factory.StartNew(Drain, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return call.Done.Task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// A caller's cancel: waiting, it leaves the queue; in a run with others, it returns now and the run goes on; in a run
    /// whose callers have all cancelled, the run stops at its next step and they return when it has (as an unbatched
    /// sampler would).
    /// </summary>
    private void Cancel(Call call)
    {
        Run? run;
        lock (_lock)
        {
            run = call.Run;
            if (run is null && _waiting.Remove(call)) call.Done.TrySetCanceled(call.Token);
        }
        if (run is null) return;
        if (run.Calls.All(c => c.Token.IsCancellationRequested)) run.Stop.Cancel();
        else call.Done.TrySetCanceled(call.Token);
    }

    private void Drain()
    {
        while (true)
        {
            // Jobs freed by the last run come back a moment apart: a short wait fills the next run instead of drawing
            // one image, then the rest.
            if (gather > TimeSpan.Zero && WaitingImages() < maxBatch) Thread.Sleep(gather);
            Run? run;
            lock (_lock)
            {
                run = Take();
                if (run is null)
                {
                    _running = false;
                    return;
                }
            }
            Draw(run);
        }
    }

    /// <summary>Calls waiting for a run (not the ones being drawn).</summary>
    public int WaitingCalls
    {
        get { lock (_lock) return _waiting.Count(c => !c.Done.Task.IsCompleted); }
    }

    private int WaitingImages()
    {
        lock (_lock) return _waiting.Where(c => !c.Done.Task.IsCompleted).Sum(c => c.Requests.Length);
    }

    /// <summary>Under the lock: the oldest waiting call and the compatible ones behind it, within the batch size.</summary>
    private Run? Take()
    {
        _waiting.RemoveAll(c => c.Done.Task.IsCompleted);
        if (_waiting.Count == 0) return null;
        var first = _waiting[0];
        var calls = new List<Call> { first };
        int images = first.Requests.Length;
        foreach (var c in _waiting.Skip(1))
        {
            if (images + c.Requests.Length > maxBatch || !GenerationBatch.Compatible(first.Requests[0], c.Requests[0])) continue;
            calls.Add(c);
            images += c.Requests.Length;
        }
        var run = new Run(calls);
        foreach (var c in calls)
        {
            _waiting.Remove(c);
            c.Run = run;
        }
        // A caller cancelled just before it was taken: its registration already ran and found it waiting.
        if (calls.All(c => c.Token.IsCancellationRequested)) run.Stop.Cancel();
        return run;
    }

    private void Draw(Run run)
    {
        try
        {
            var requests = run.Calls.SelectMany(c => c.Requests).ToArray();
            var images = inner.GenerateBatch(requests, new FanOut(run.Calls), run.Stop.Token);
            BatchSizes.Add(requests.Length);
            onRun?.Invoke(requests.Length);
            int at = 0;
            foreach (var c in run.Calls)
            {
                c.Done.TrySetResult(images.Skip(at).Take(c.Requests.Length).ToList());
                at += c.Requests.Length;
            }
        }
        catch (Exception ex)
        {
            foreach (var c in run.Calls)
                if (ex is OperationCanceledException) c.Done.TrySetCanceled(c.Token);
                else c.Done.TrySetException(ex);
        }
        // Stop is not disposed: a late cancel may still signal it, and without timers it holds nothing.
    }

    private sealed class Call(GenerationRequest[] requests, IProgress<GenerationProgress>? progress, CancellationToken token)
    {
        public GenerationRequest[] Requests => requests;
        public IProgress<GenerationProgress>? Progress => progress;
        public CancellationToken Token => token;

        public TaskCompletionSource<IReadOnlyList<GeneratedImage>> Done { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The run drawing this call, once taken (set under the lock).</summary>
        public Run? Run { get; set; }
    }

    private sealed class Run(List<Call> calls)
    {
        public List<Call> Calls => calls;
        public CancellationTokenSource Stop { get; } = new();
    }

    /// <summary>Every caller in the run sees the run's steps (each job shows its own progress bar).</summary>
    private sealed class FanOut(List<Call> calls) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value)
        {
            foreach (var c in calls)
                if (!c.Done.Task.IsCompleted) c.Progress?.Report(value);
        }
    }
}

/// <summary>How many batched runs drew each number of images (thread-safe).</summary>
public sealed class BatchSizeCounts
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, long> _counts = new();

    public void Add(int size) => _counts.AddOrUpdate(size, 1, (_, n) => n + 1);

    public IReadOnlyDictionary<int, long> Snapshot() => new SortedDictionary<int, long>(_counts);
}
