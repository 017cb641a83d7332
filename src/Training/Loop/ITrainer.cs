using System.Text.Json.Nodes;
using T2I.Core.Checkpoints;
using T2I.Core.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Training.Loop;

/// <summary>
/// What a training stage plugs into <see cref="TrainingLoop"/>. The loop owns everything around a step
/// (device, seeding, LR schedule, EMA updates, checkpoint/resume, metrics, plots, progress, Ctrl+C);
/// the trainer owns the models, optimizers, data and the step itself. Derive from <see cref="Trainer{TBatch}"/>.
/// </summary>
public interface ITrainer : IDisposable
{
    /// <summary>
    /// Modules whose weights are checkpointed. Key <c>"model"</c> (required) is what inference loads
    /// (<c>model.safetensors</c>); any other key <c>k</c> goes to <c>k.safetensors</c> (e.g. a discriminator).
    /// Frozen helpers that are rebuilt from elsewhere (a stage-1 teacher) need not be listed.
    /// </summary>
    IReadOnlyDictionary<string, nn.Module> Modules { get; }

    /// <summary>
    /// Optimizers (TorchSharp managed ones: AdamW, Adam, SGD, …); their state goes to <c>optimizer.safetensors</c>
    /// under <c>"&lt;key&gt;.&lt;index&gt;.&lt;field&gt;"</c>. Before every step the loop sets each param group's LR to
    /// its LR at construction × the schedule factor, so build optimizers with the base LR.
    /// </summary>
    IReadOnlyDictionary<string, optim.Optimizer> Optimizers { get; }

    /// <summary>EMA of <c>Modules["model"]</c>, or null. The loop calls <see cref="Ema.Update"/> after every step and
    /// checkpoints it.</summary>
    Ema? Ema { get; }

    /// <summary>The data reader whose position is checkpointed and restored.</summary>
    IResumable Data { get; }

    /// <summary>Configuration that rebuilds the model, written to config.json as <c>model_config</c>.</summary>
    object ModelConfig { get; }

    /// <summary>
    /// One optimisation step (called inside a dispose scope): take the next batch, forward, backward, clip, step.
    /// Returns scalar metrics, e.g. <c>"loss"</c>, <c>"loss/l1"</c> (the part before '/' names the plot).
    /// </summary>
    IReadOnlyDictionary<string, double> TrainStep(StepContext context);

    /// <summary>
    /// Optional evaluation (every <c>eval_every</c> steps and at the end); results are logged as <c>eval/&lt;name&gt;</c>.
    /// Runs inside a dispose scope with gradients on (wrap inference in <c>no_grad()</c>; a probe may train). The loop
    /// saves and restores the global RNG around it, so evaluating never changes the training's random stream.
    /// Put the model back in train mode before returning if you switched it to eval.
    /// </summary>
    IReadOnlyDictionary<string, double> Evaluate(EvalContext context) => new Dictionary<string, double>();

    /// <summary>Extra state to carry across a resume (e.g. adaptive loss weights); null when none.</summary>
    JsonNode? SaveState() => null;

    /// <summary>Restores what <see cref="SaveState"/> returned (called only on resume, after weights are loaded).</summary>
    void LoadState(JsonNode? state) { }
}

/// <summary>A reader that can report and restore its position as opaque JSON.</summary>
public interface IResumable
{
    /// <summary>The position after the last batch handed out (what the next run should continue from).</summary>
    JsonNode SavePosition();
    void RestorePosition(JsonNode position);
}

/// <summary>An endless, deterministic batch stream (wraps epochs itself) with a resumable position.</summary>
public interface IDataSource<out TBatch> : IResumable
{
    TBatch Next();
}

/// <summary>What the loop tells the trainer about the step it is about to take.</summary>
public sealed record StepContext(long Step, long TotalSteps, double LrFactor, Device Device, LoopSettings Loop)
{
    /// <summary>The run's ranks; null outside the loop (benchmarks).</summary>
    public DataParallel? Ranks { get; init; }

    /// <summary>Averages gradients over the ranks without clipping (a second optimizer, e.g. a discriminator's).</summary>
    public void AverageGradients(IEnumerable<TorchSharp.Modules.Parameter> parameters) => Ranks?.SyncGradients(parameters);

    /// <summary>
    /// Averages the gradients over the data-parallel ranks, then clips their norm to the preset's <c>grad_clip</c> (no-op
    /// when 0); returns the norm before clipping. Call it once per optimizer step, after the last backward().
    /// </summary>
    public double ClipGradients(IEnumerable<TorchSharp.Modules.Parameter> parameters)
    {
        var list = parameters as IReadOnlyCollection<TorchSharp.Modules.Parameter> ?? parameters.ToList();
        Ranks?.SyncGradients(list);
        return Gradients.ClipNorm(list, Loop.GradClip);
    }
}

/// <summary>Where and when an evaluation runs; files (images, grids) go under <see cref="OutputDir"/>.</summary>
public sealed record EvalContext(long Step, Device Device, string OutputDir, LoopSettings Loop);

/// <summary>Everything a trainer factory gets besides its own config.</summary>
public sealed record TrainerContext(Device Device, LoopSettings Loop, string RunDir, string PresetName)
{
    /// <summary>
    /// Checkpoint to initialise from (the previous stage), resolved from <c>init_from</c>; null when unset.
    /// Only used for a fresh run: a resumed run loads its own latest checkpoint over whatever this set.
    /// </summary>
    public CheckpointFolder? InitFrom { get; init; }

    /// <summary>
    /// Loads <see cref="InitFrom"/>'s weights (EMA when it kept them) into <paramref name="model"/>, non-strictly, and logs
    /// what fitted; false when there is nothing to initialise from.
    /// </summary>
    public bool TryInitialise(nn.Module model)
    {
        if (InitFrom is not { } init) return false;
        var report = ModuleWeights.Load(model, init.File(init.Has(CheckpointFolder.EmaFile) ? CheckpointFolder.EmaFile
            : CheckpointFolder.ModelFile), strict: false);
        Log($"init from {init.Path}: {report}");
        return true;
    }

    /// <summary>Message sink for warnings the user must see (e.g. "no LPIPS weights: w_p = 0").</summary>
    public Action<string> Log { get; init; } = Console.Error.WriteLine;

    /// <summary>This process's data-parallel rank: a trainer reads partition <see cref="Rank"/> of <see cref="WorldSize"/>
    /// of its data, so that the ranks together see each global batch once.</summary>
    public int Rank { get; init; }

    public int WorldSize { get; init; } = 1;

    /// <summary>Options of this rank's partition of the bucketed training shards.</summary>
    public BucketBatchOptions TrainingBatches(int batchSize, int seed) => new(batchSize, seed, Rank: Rank, Ranks: WorldSize);
}

/// <summary>
/// Convenience base: the loop asks for <see cref="ITrainer.TrainStep"/>; this pulls the next batch from
/// <see cref="Source"/>, runs <see cref="Step"/> and disposes the batch if it is disposable.
/// </summary>
public abstract class Trainer<TBatch> : ITrainer
{
    public abstract IReadOnlyDictionary<string, nn.Module> Modules { get; }
    public abstract IReadOnlyDictionary<string, optim.Optimizer> Optimizers { get; }
    public virtual Ema? Ema => null;
    public abstract object ModelConfig { get; }
    protected abstract IDataSource<TBatch> Source { get; }
    public IResumable Data => Source;

    protected abstract IReadOnlyDictionary<string, double> Step(TBatch batch, StepContext context);

    public IReadOnlyDictionary<string, double> TrainStep(StepContext context)
    {
        var batch = Source.Next();
        try { return Step(batch, context); }
        finally { (batch as IDisposable)?.Dispose(); }
    }

    public virtual IReadOnlyDictionary<string, double> Evaluate(EvalContext context) => new Dictionary<string, double>();
    public virtual JsonNode? SaveState() => null;
    public virtual void LoadState(JsonNode? state) { }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        (Source as IDisposable)?.Dispose();
        Ema?.Dispose();
        foreach (var o in Optimizers.Values) o.Dispose();
        foreach (var m in Modules.Values) m.Dispose();
    }
}
