namespace T2I.Training.Loop;

/// <summary>
/// The settings every stage shares. Trainers read the optimisation ones (<see cref="BatchSize"/>, <see cref="Lr"/>,
/// <see cref="WeightDecay"/>, <see cref="EmaDecay"/>) when they build their optimizers; the loop uses the rest.
/// Command-line keys are the snake_case names (<c>--set lr=3e-4</c>, <c>--set checkpoint_every=100</c>).
/// </summary>
public sealed record LoopSettings
{
    /// <summary>Total optimizer steps of the run (a resumed run stops at the same total).</summary>
    public long Steps { get; init; } = 1000;
    public int BatchSize { get; init; } = 8;
    /// <summary>Base learning rate (peak, after warmup).</summary>
    public double Lr { get; init; } = 1e-4;
    public double WeightDecay { get; init; }
    /// <summary>Linear warmup from 0 over this many steps.</summary>
    public long WarmupSteps { get; init; }
    /// <summary><c>constant</c>, <c>cosine</c> or <c>linear</c> decay after warmup, down to <see cref="MinLrRatio"/> × lr.</summary>
    public string Schedule { get; init; } = "constant";
    public double MinLrRatio { get; init; }
    /// <summary>Max global gradient norm; 0 disables clipping.</summary>
    public double GradClip { get; init; } = 1.0;
    /// <summary>EMA decay of the model weights; 0 means no EMA.</summary>
    public double EmaDecay { get; init; }
    public long CheckpointEvery { get; init; } = 500;
    /// <summary>How many checkpoints to keep (older ones are pruned).</summary>
    public int KeepLast { get; init; } = 3;
    /// <summary>Evaluate every N steps (0: only at the end).</summary>
    public long EvalEvery { get; init; }
    /// <summary>Write a metrics line every N steps.</summary>
    public long LogEvery { get; init; } = 1;
    /// <summary>Smoothing of the PNG plots in [0, 1).</summary>
    public double PlotSmoothing { get; init; } = 0.6;
    public long Seed { get; init; }
    /// <summary>Checkpoint (folder, checkpoints folder or run folder) a fresh run initialises from — the previous stage.</summary>
    public string? InitFrom { get; init; }
    /// <summary>Torch intra-op threads; 0 leaves torch's default.</summary>
    public int Threads { get; init; }

    /// <summary>Throws with the offending key when a value is out of range.</summary>
    public void Validate()
    {
        static void Check(bool ok, string key, object value, string rule)
        {
            if (!ok) throw new ArgumentException($"'{key}' = {value}: {rule}.");
        }
        Check(Steps >= 1, "steps", Steps, "must be at least 1");
        Check(BatchSize >= 1, "batch_size", BatchSize, "must be at least 1");
        Check(Lr >= 0 && double.IsFinite(Lr), "lr", Lr, "must be a finite number ≥ 0");
        Check(WeightDecay >= 0, "weight_decay", WeightDecay, "must be ≥ 0");
        Check(WarmupSteps >= 0, "warmup_steps", WarmupSteps, "must be ≥ 0");
        Check(LrSchedule.Names.Contains(Schedule), "schedule", Schedule, $"must be one of {string.Join(", ", LrSchedule.Names)}");
        Check(MinLrRatio is >= 0 and <= 1, "min_lr_ratio", MinLrRatio, "must be in [0, 1]");
        Check(GradClip >= 0, "grad_clip", GradClip, "must be ≥ 0 (0 disables)");
        Check(EmaDecay is >= 0 and < 1, "ema_decay", EmaDecay, "must be in [0, 1)");
        Check(CheckpointEvery >= 1, "checkpoint_every", CheckpointEvery, "must be at least 1");
        Check(KeepLast >= 1, "keep_last", KeepLast, "must be at least 1");
        Check(EvalEvery >= 0, "eval_every", EvalEvery, "must be ≥ 0");
        Check(LogEvery >= 1, "log_every", LogEvery, "must be at least 1");
        Check(PlotSmoothing is >= 0 and < 1, "plot_smoothing", PlotSmoothing, "must be in [0, 1)");
        Check(Threads >= 0, "threads", Threads, "must be ≥ 0");
    }
}
