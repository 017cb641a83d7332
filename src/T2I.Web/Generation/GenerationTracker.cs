using System.Collections.Concurrent;

namespace T2I.Web.Generation;

/// <summary>
/// In-process, in-memory side of generations: live progress and previews (too chatty to persist), the
/// per-run cancellation sources that let a user's cancel reach the sampler within one step (Hangfire's own
/// token only notices a deleted job on its next state poll), and a change event pages subscribe to.
/// </summary>
public sealed class GenerationTracker
{
    private readonly ConcurrentDictionary<string, LiveProgress> _progress = new();
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _runs = new();
    private readonly ConcurrentDictionary<string, byte> _cancelRequested = new();

    /// <summary>Raised (on the reporting thread) with a generation id whenever its record or progress changes.</summary>
    public event Action<string>? Changed;

    public void NotifyChanged(string id) => Changed?.Invoke(id);

    public LiveProgress? Progress(string id) => _progress.GetValueOrDefault(id);

    public void Report(string id, LiveProgress progress)
    {
        // Keep the last preview when a step reports none, so the page does not flicker back to blank.
        _progress.AddOrUpdate(id, progress, (_, old) => progress.PreviewPng is null
            ? progress with { PreviewPng = old.PreviewPng } : progress);
        NotifyChanged(id);
    }

    public bool IsRunningHere(string id) => _runs.ContainsKey(id);

    /// <summary>Starts a run: returns a source linked to Hangfire's token, already cancelled if a cancel came first.</summary>
    public CancellationTokenSource BeginRun(string id, CancellationToken jobToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(jobToken);
        _runs[id] = cts;
        if (_cancelRequested.ContainsKey(id)) cts.Cancel();
        return cts;
    }

    public void EndRun(string id)
    {
        _runs.TryRemove(id, out _);
        _progress.TryRemove(id, out _);
        _cancelRequested.TryRemove(id, out _);
    }

    /// <summary>Marks the generation cancelled and stops its sampler if it runs in this process.</summary>
    public void RequestCancel(string id)
    {
        _cancelRequested[id] = 0;
        if (_runs.TryGetValue(id, out var cts))
        {
            try { cts.Cancel(); } catch (ObjectDisposedException) { }
        }
    }

    public bool CancelRequested(string id) => _cancelRequested.ContainsKey(id);
}
