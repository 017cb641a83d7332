using System.Text;
using System.Text.Json.Nodes;
using T2I.Core.Checkpoints;
using T2I.Core.Distributed;
using TorchSharp;
using TorchSharp.Modules;

namespace T2I.Training.Loop;

/// <summary>
/// The training loop's side of data parallelism (DDP's recipe on an <see cref="ICollective"/>): rank 0's weights to all
/// ranks at the start, gradients averaged before every optimizer step (trainers reach it through
/// <see cref="StepContext.ClipGradients"/>), metrics averaged and the stop decision agreed after every step, per-rank
/// data position and RNG gathered into rank 0's checkpoint. With one process every call is a no-op.
/// </summary>
public sealed class DataParallel
{
    private readonly GradientBuckets _buckets;
    private long _syncs;

    public DataParallel(ICollective collective)
    {
        Collective = collective;
        _buckets = new GradientBuckets(collective);
    }

    public ICollective Collective { get; }
    public int Rank => Collective.Rank;
    public int WorldSize => Collective.WorldSize;
    public bool IsLeader => Collective.Rank == 0;

    /// <summary>Time spent in gradient all-reduce so far (the benchmark's communication share).</summary>
    public TimeSpan CommunicationTime { get; private set; }

    /// <summary>Gradient bytes all-reduced so far.</summary>
    public long BytesReduced { get; private set; }

    /// <summary>Rank 0's weights, EMA and buffers everywhere, so every rank starts from one state.</summary>
    public void BroadcastInitialState(ITrainer trainer)
    {
        StateBroadcast.Modules(Collective, trainer.Modules.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value));
        if (trainer.Ema is { } ema)
            StateBroadcast.Tensors(Collective, ema.Shadow.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value));
    }

    /// <summary>Averages the gradients of <paramref name="parameters"/> over the ranks (called by every trainer's step).</summary>
    public void SyncGradients(IEnumerable<Parameter> parameters)
    {
        _syncs++;
        if (WorldSize == 1) return;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        BytesReduced += _buckets.AllReduceMean(parameters);
        CommunicationTime += clock.Elapsed;
    }

    /// <summary>
    /// After a step: every rank's metrics averaged (rank 0 logs the job's loss, not its own shard's), and whether any rank
    /// was asked to stop — all ranks leave the loop at the same step, or one would wait forever in the next collective.
    /// </summary>
    public (IReadOnlyDictionary<string, double> Metrics, bool Stop) AfterStep(IReadOnlyDictionary<string, double> metrics,
        bool stop, long syncsBefore)
    {
        if (WorldSize > 1 && _syncs == syncsBefore)
            throw new InvalidOperationException("The trainer stepped without StepContext.ClipGradients, so its gradients were not " +
                "averaged over the ranks: call it between backward() and optimizer.step().");
        if (WorldSize == 1) return (metrics, stop);
        var keys = metrics.Keys.Order(StringComparer.Ordinal).ToList();
        var values = keys.Select(k => metrics[k]).Append(stop ? 1 : 0).Append(keys.Count).ToArray();
        using var buffer = torch.tensor(values, torch.ScalarType.Float64);
        Collective.AllReduce(buffer, ReduceOp.Sum);
        var sum = buffer.data<double>().ToArray();
        if ((int)Math.Round(sum[^1]) != keys.Count * WorldSize)
            throw new InvalidOperationException("Ranks reported different metrics for one step; they are out of step.");
        var mean = keys.Select((k, i) => (k, sum[i] / WorldSize)).ToDictionary(kv => kv.k, kv => kv.Item2);
        return (mean, sum[^2] > 0);
    }

    /// <summary>How many times gradients were synchronised (the loop checks each step made one).</summary>
    public long Syncs => _syncs;

    /// <summary>Every rank's data position and RNG, in rank order (a collective: all ranks call it together).</summary>
    public JsonArray? GatherRankStates(ITrainer trainer)
    {
        if (WorldSize == 1) return null;
        var mine = new JsonObject { ["data_position"] = trainer.Data.SavePosition(), ["rng_state"] = RngState.Capture() };
        var all = Collective.AllGather(Encoding.UTF8.GetBytes(mine.ToJsonString()));
        return new JsonArray(all.Select(b => JsonNode.Parse(Encoding.UTF8.GetString(b))).ToArray());
    }

    /// <summary>Restores this rank's data position and RNG from a data-parallel checkpoint.</summary>
    public void RestoreRankState(ITrainer trainer, CheckpointConfig config, string source)
    {
        int saved = config.Ranks?.Count ?? 1;
        if (saved != WorldSize)
            throw new InvalidDataException($"{source} was written by {saved} rank(s); this run has {WorldSize}. Resume with the " +
                $"same number of ranks, or start a new run with init_from={source}.");
        if (config.Ranks is null) return;
        var state = config.Ranks[Rank] ?? throw new InvalidDataException($"{source}: no state for rank {Rank}.");
        trainer.Data.RestorePosition(state["data_position"] ?? throw Missing("data_position"));
        RngState.Restore(state["rng_state"]?.GetValue<string>() ?? throw Missing("rng_state"));
        InvalidDataException Missing(string key) => new($"{source}: rank {Rank} lacks {key}.");
    }
}
