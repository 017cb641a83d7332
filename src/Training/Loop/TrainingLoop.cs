using System.Diagnostics;
using T2I.Core;
using T2I.Core.Checkpoints;
using T2I.Core.Distributed;
using T2I.Core.Metrics;
using TorchSharp;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training.Loop;

/// <summary>How to run a preset: where, on what, and where to report.</summary>
public sealed record RunOptions(string RunDir)
{
    /// <summary><c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:1</c>.</summary>
    public string Device { get; init; } = "auto";
    public IProgress<ProgressUpdate>? Progress { get; init; }
    public Action<string> Log { get; init; } = Console.Error.WriteLine;
    /// <summary>Called after every step with its metrics (tests and hosts watch the run through it).</summary>
    public Action<long, IReadOnlyDictionary<string, double>>? OnStep { get; init; }
    public bool SkipMemoryCheck { get; init; }
    /// <summary>Render PNG plots at every checkpoint (tests switch this off: plotting dominates their run time).</summary>
    public bool WritePlots { get; init; } = true;
    /// <summary>End this session after this step (checkpointed, resumable) without changing the run's schedule.</summary>
    public long? StopAtStep { get; init; }
    /// <summary>The ranks of a data-parallel run (default: this process alone).</summary>
    public ICollective Collective { get; init; } = SingleProcessCollective.Instance;
}

/// <summary>The outcome of <see cref="TrainingLoop.Run"/>.</summary>
public sealed record RunResult(long Step, bool Completed, long ResumedFrom, IReadOnlyDictionary<string, double> LastMetrics,
    CheckpointFolder? LastCheckpoint);

/// <summary>
/// Drives an <see cref="ITrainer"/>: resume from the run's latest checkpoint (weights, EMA, optimizer, data
/// position, RNG), LR schedule, EMA updates, metrics JSONL, periodic evaluation, checkpoints every N steps,
/// at the end and on cancellation, PNG plots at each checkpoint, progress with it/s and ETA.
/// </summary>
public static class TrainingLoop
{
    public const string MetricsFile = "metrics.jsonl";
    public const string PresetFile = "preset.json";
    public const string PlotsDir = "plots";
    public const string EvalDir = "eval";

    public static RunResult Run(Preset preset, RunOptions options, CancellationToken cancel = default)
    {
        var loop = preset.Loop;
        loop.Validate();
        var device = TorchRuntime.ResolveDevice(options.Device);
        if (!options.SkipMemoryCheck) MemoryGuard.EnsureFits(preset.Name, preset.Plan().EstimatedBytes, device);
        if (loop.Threads > 0) TorchRuntime.SetThreads(loop.Threads);
        OneDnnConv2d.Enabled = true; // a training process runs its convolutions on one thread (see OneDnnConv2d)

        string runDir = Path.GetFullPath(options.RunDir);
        string checkpointsDir = CheckpointFolder.CheckpointsDir(runDir);
        Directory.CreateDirectory(runDir);
        var latest = CheckpointFolder.Latest(checkpointsDir);
        var latestConfig = latest?.ReadConfig();
        if (latestConfig?.Preset is { } owner && !string.Equals(owner, preset.Name, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Run folder {runDir} belongs to preset '{owner}', not '{preset.Name}'. Choose " +
                $"another --run-dir.");

        var ranks = new DataParallel(options.Collective);
        TorchRuntime.Seed(loop.Seed);
        var context = new TrainerContext(device, loop, runDir, preset.Name)
        {
            Rank = ranks.Rank,
            WorldSize = ranks.WorldSize,
            InitFrom = latest is null && !string.IsNullOrWhiteSpace(loop.InitFrom) ? CheckpointFolder.Open(loop.InitFrom) : null,
            Log = options.Log,
        };
        using var trainer = preset.CreateTrainer(context);
        if (!trainer.Modules.ContainsKey(RunCheckpoint.MainModule))
            throw new InvalidOperationException($"Trainer '{preset.Trainer}' exposes no \"{RunCheckpoint.MainModule}\" module.");

        long start = 0;
        double elapsedBefore = 0;
        if (latest is not null)
        {
            var restored = RunCheckpoint.Restore(trainer, preset, latest);
            ranks.RestoreRankState(trainer, restored, latest.Path);
            start = restored.Step;
            elapsedBefore = restored.ElapsedSeconds;
            options.Log($"Resuming {preset.Name} from {latest.Path} (step {start}/{loop.Steps}).");
            foreach (string change in ChangedSettings(restored.Loop, loop)) options.Log($"  changed since the checkpoint: {change}");
        }
        else if (context.InitFrom is not null)
        {
            options.Log($"Initialised {preset.Name} from {context.InitFrom.Path}.");
        }
        ranks.BroadcastInitialState(trainer);
        // Same weights, different noise and augmentation per rank (rank 0 keeps the single-process stream).
        if (latest is null && ranks.Rank > 0) TorchRuntime.Seed(loop.Seed + 1_000_003L * ranks.Rank);
        if (ranks.IsLeader)
        {
            File.WriteAllText(Path.Combine(runDir, PresetFile + ".tmp"), preset.ToJson());
            File.Move(Path.Combine(runDir, PresetFile + ".tmp"), Path.Combine(runDir, PresetFile), overwrite: true);
        }

        var baseLrs = trainer.Optimizers.Values.SelectMany(o => o.ParamGroups).Select(g => (Group: g, Lr: g.LearningRate)).ToList();
        string metricsPath = Path.Combine(runDir, MetricsFile);
        using var metrics = ranks.IsLeader ? MetricsLog.Open(metricsPath, resumeStep: start) : null;
        var clock = Stopwatch.StartNew();
        var rate = new RateMeter();
        IReadOnlyDictionary<string, double> last = new Dictionary<string, double>();
        CheckpointFolder? lastCheckpoint = latest;
        long? checkpointed = latest?.Step;
        long step = start;
        double Elapsed() => elapsedBefore + clock.Elapsed.TotalSeconds;

        void Checkpoint()
        {
            var rankStates = ranks.GatherRankStates(trainer);   // every rank takes part; rank 0 alone writes
            checkpointed = step;
            if (!ranks.IsLeader) return;
            lastCheckpoint = RunCheckpoint.Save(trainer, preset, checkpointsDir, step, last, Elapsed(), rankStates);
            CheckpointFolder.Prune(checkpointsDir, loop.KeepLast);
            if (options.WritePlots) Plot(metricsPath, Path.Combine(runDir, PlotsDir), loop.PlotSmoothing, options.Log);
        }

        void Evaluate()
        {
            // Evaluation must not shift the training's random stream: save and restore the generator around it.
            string rng = RngState.Capture();
            IReadOnlyDictionary<string, double> results;
            // No no_grad here: an evaluation may train a probe (linear-probe accuracy); trainers scope it themselves.
            try
            {
                using var scope = torch.NewDisposeScope();
                results = trainer.Evaluate(new EvalContext(step, device, Path.Combine(runDir, EvalDir,
                    CheckpointFolder.FolderName(step)), loop));
            }
            catch
            {
                // A failing evaluation must not cost the steps trained since the last checkpoint.
                RngState.Restore(rng);
                // Only rank 0 evaluates, so the other ranks cannot join a checkpoint now: the last periodic one stands.
                if (checkpointed != step && ranks.WorldSize == 1) Checkpoint();
                throw;
            }
            RngState.Restore(rng);
            if (results.Count == 0) return;
            var named = results.ToDictionary(kv => kv.Key.StartsWith("eval/", StringComparison.Ordinal) ? kv.Key : "eval/"
                + kv.Key, kv => kv.Value);
            metrics?.Write(step, named, Elapsed());
            last = last.Concat(named).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        }

        // One process stops as soon as it is asked; ranks stop at the step they agreed on (see DataParallel.AfterStep).
        bool stop = false;
        bool Stopping() => ranks.WorldSize == 1 ? cancel.IsCancellationRequested : stop;
        while (step < loop.Steps && step < (options.StopAtStep ?? long.MaxValue) && !Stopping())
        {
            long next = step + 1;
            double factor = LrSchedule.Factor(loop, next);
            foreach (var (group, lr) in baseLrs) group.LearningRate = lr * factor;
            IReadOnlyDictionary<string, double> stepMetrics;
            long syncs = ranks.Syncs;
            using (var scope = torch.NewDisposeScope())
                stepMetrics = trainer.TrainStep(new StepContext(next, loop.Steps, factor, device, loop) { Ranks = ranks });
            (stepMetrics, stop) = ranks.AfterStep(stepMetrics, cancel.IsCancellationRequested, syncs);
            if (ranks.IsLeader) trainer.Ema?.Update();
            step = next;
            var row = new Dictionary<string, double>(stepMetrics) { ["lr"] = loop.Lr * factor };
            last = row;
            if (step % loop.LogEvery == 0 || step == loop.Steps) metrics?.Write(step, row, Elapsed());
            options.OnStep?.Invoke(step, row);
            Report(options.Progress, preset.Name, step, loop.Steps, row, rate.Tick(step));
            if (loop.EvalEvery > 0 && step % loop.EvalEvery == 0 && ranks.IsLeader) Evaluate();
            if (step % loop.CheckpointEvery == 0 && step < loop.Steps) Checkpoint();
        }

        bool completed = step >= loop.Steps;
        if (completed && (loop.EvalEvery == 0 || step % loop.EvalEvery != 0) && step > start && ranks.IsLeader) Evaluate();
        if (checkpointed != step) Checkpoint();
        if (ranks.WorldSize > 1 && step > start)
            options.Log($"data parallel: {ranks.WorldSize} ranks ({ranks.Collective.Backend}), gradient all-reduce (waits for the " +
                $"slowest rank included) {ranks.CommunicationTime.TotalSeconds:0.00} s of {clock.Elapsed.TotalSeconds:0.00} s " +
                $"({ranks.CommunicationTime.TotalSeconds / Math.Max(1e-9, clock.Elapsed.TotalSeconds):P1}), " +
                $"{ranks.BytesReduced / 1e6:0.0} MB reduced");
        if (!completed) options.Log($"Stopped at step {step}/{loop.Steps}; checkpoint {lastCheckpoint?.Path}. Run the same " +
            $"command again to resume.");
        return new RunResult(step, completed, start, last, lastCheckpoint);
    }

    /// <summary>Loop settings that differ from the checkpoint's (a resumed run with new --set values says so).</summary>
    public static IEnumerable<string> ChangedSettings(System.Text.Json.Nodes.JsonNode? saved, LoopSettings current)
    {
        if (saved is not System.Text.Json.Nodes.JsonObject before) yield break;
        var now = System.Text.Json.JsonSerializer.SerializeToNode(current, PresetJson.Options)!.AsObject();
        foreach (var (key, value) in now)
        {
            string a = before[key]?.ToJsonString() ?? "null", b = value?.ToJsonString() ?? "null";
            if (a != b) yield return $"{key} {a} → {b}";
        }
    }

    private static void Report(IProgress<ProgressUpdate>? progress, string name, long step, long total,
        IReadOnlyDictionary<string, double> row, double itPerSecond)
    {
        if (progress is null) return;
        string loss = row.TryGetValue("loss", out double l) ? $"loss {l:0.####} · " : "";
        string eta = itPerSecond > 0
            ? TimeSpan.FromSeconds(Math.Min((total - step) / itPerSecond, TimeSpan.MaxValue.TotalSeconds / 2)).ToString(@"d\.hh\:mm\:ss")
            : "?";
        progress.Report(new ProgressUpdate(name, step, total, $"{loss}{itPerSecond:0.00} it/s · ETA {eta}"));
    }

    private static void Plot(string metricsPath, string plotsDir, double smoothing, Action<string> log)
    {
        // A plot is a convenience: never let a font or disk hiccup cost the run.
        try { MetricsPlot.Render(metricsPath, plotsDir, smoothing); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log($"warning: plots not written ({e.GetType().Name}: " +
            $"{e.Message})");
        }
    }

    /// <summary>Iterations per second over a sliding window of recent steps.</summary>
    private sealed class RateMeter
    {
        private readonly Queue<(long Step, double Seconds)> _window = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public double Tick(long step)
        {
            _window.Enqueue((step, _clock.Elapsed.TotalSeconds));
            while (_window.Count > 50) _window.Dequeue();
            var (s0, t0) = _window.Peek();
            double dt = _clock.Elapsed.TotalSeconds - t0;
            return step > s0 && dt > 0 ? (step - s0) / dt : 0;
        }
    }
}
