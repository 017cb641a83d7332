using Spectre.Console;
using T2I.Core;

namespace T2I.Cli;

/// <summary>
/// One way for every CLI to show a long job: a Spectre.Console bar with rate and ETA, fed through
/// <see cref="IProgress{T}"/> so the same work code also reports to logs and the web.
/// </summary>
public static class ConsoleProgress
{
    /// <summary>Runs <paramref name="work"/> under a live progress display (plain lines when output is redirected).</summary>
    public static async Task<T> RunAsync<T>(string title, Func<IProgress<ProgressUpdate>, Task<T>> work, IAnsiConsole? console = null)
    {
        console ??= AnsiConsole.Console;
        if (!console.Profile.Capabilities.Interactive)
            return await work(new LineReporter(console));

        T result = default!;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                     new TransferSpeedLikeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var reporter = new SyncProgress(u =>
                {
                    if (!tasks.TryGetValue(u.Task, out var t)) tasks[u.Task] = t = ctx.AddTask(Markup.Escape(u.Task),
                        maxValue: Math.Max(1, u.Total));
                    t.MaxValue = Math.Max(1, u.Total);
                    t.Value = Math.Min(u.Done, t.MaxValue);
                    if (u.Detail is not null) t.Description = Markup.Escape($"{u.Task} {u.Detail}");
                });
                result = await work(reporter);
            });
        return result;
    }

    /// <summary>Reports synchronously on the caller's thread (Progress&lt;T&gt; would post to a context and reorder).</summary>
    private sealed class SyncProgress(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => report(value);
    }

    /// <summary>Redirected output (CI, logs): a line at most every ~5 % per task.</summary>
    private sealed class LineReporter(IAnsiConsole console) : IProgress<ProgressUpdate>
    {
        private readonly Dictionary<string, int> _lastBucket = new();
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

        public void Report(ProgressUpdate u)
        {
            int bucket = u.Total <= 0 ? 0 : (int)(20 * u.Done / u.Total);
            if (_lastBucket.TryGetValue(u.Task, out int last) && last == bucket) return;
            _lastBucket[u.Task] = bucket;
            double rate = u.Done / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);
            console.WriteLine($"{u.Task}: {u.Done:0}/{u.Total:0} ({rate:0.0}/s) {u.Detail}");
        }
    }

    /// <summary>Items per second, for work that is not bytes.</summary>
    private sealed class TransferSpeedLikeColumn : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options,
            ProgressTask task, TimeSpan deltaTime)
            => new Spectre.Console.Text(task.Speed is { } s ? $"{s:0.0}/s" : "-");
    }
}
