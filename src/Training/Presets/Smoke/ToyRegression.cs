using System.Text.Json.Nodes;
using T2I.Core.Checkpoints;
using T2I.Core.TorchSharpFixes;
using T2I.Training.Loop;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Training.Presets.Smoke;

/// <summary>Configuration of the smoke preset: fit y = x·W* + b* + noise with one linear layer.</summary>
public sealed record ToyRegressionConfig
{
    public int Features { get; init; } = 16;
    public int Outputs { get; init; } = 4;
    /// <summary>Std of the target noise, drawn from the global torch generator (so resume must restore it).</summary>
    public double Noise { get; init; } = 0.1;
    /// <summary>Seed of the synthetic data and the true weights (independent of the loop seed).</summary>
    public long DataSeed { get; init; } = 1234;
    /// <summary>Sleep per step, so tests can kill the process mid-run; no effect on the numbers.</summary>
    public int StepDelayMs { get; init; }
    /// <summary>Micro-batches per optimizer step (batch_size = micro-batch × grad_accum, per rank).</summary>
    public int GradAccum { get; init; } = 1;
}

/// <summary>
/// The smoke preset <c>toy-regression</c>: a linear regression that exercises every part of the loop
/// (AdamW state, EMA, data position, RNG, metrics, plots) in milliseconds. Tests and `training launch
/// toy-regression` use it to check checkpoint/resume end to end.
/// </summary>
public sealed class ToyRegressionPresets : IPresetProvider
{
    public IEnumerable<Preset> Presets =>
    [
        new Preset<ToyRegressionConfig>("toy-regression",
            "Smoke preset: linear regression on synthetic data; exercises checkpoint/resume, EMA, metrics and plots in seconds.",
            new LoopSettings
            {
                Steps = 200, BatchSize = 32, Lr = 0.05, WarmupSteps = 10, Schedule = "cosine", MinLrRatio = 0.1,
                GradClip = 5, EmaDecay = 0.9, CheckpointEvery = 50, KeepLast = 2, EvalEvery = 50, Seed = 7, Threads = 1,
            },
            new ToyRegressionConfig(), new ToyRegressionFactory()),
    ];
}

public sealed class ToyRegressionFactory : ITrainerFactory<ToyRegressionConfig>
{
    public string Name => "toy-regression";

    public TrainingPlan Plan(ToyRegressionConfig config, LoopSettings loop)
    {
        long parameters = (long)config.Features * config.Outputs + config.Outputs;
        if (config.GradAccum < 1 || loop.BatchSize % config.GradAccum != 0)
            throw new ArgumentException($"grad_accum {config.GradAccum} must be ≥ 1 and divide batch_size {loop.BatchSize}.");
        long activations = (long)loop.BatchSize * (config.Features + 2L * config.Outputs) * 4 * 2;
        return new TrainingPlan([new ParameterCount("model (linear)", parameters, parameters)],
            MemoryEstimate.Training(parameters, 0, loop.EmaDecay > 0, activations),
            [$"data: synthetic y = x·W* + b* + N(0, {config.Noise}²), {config.Features} → {config.Outputs}, " +
                $"data seed {config.DataSeed}",
             $"samples: {loop.Steps * loop.BatchSize:N0} ({loop.Steps:N0} steps × batch {loop.BatchSize})"])
        {
            FlopsPerStep = 3.0 * 2 * loop.BatchSize * config.Features * config.Outputs,
            Accumulation = config.GradAccum,
        };
    }

    public ITrainer Create(ToyRegressionConfig config, TrainerContext context) => new ToyRegressionTrainer(config, context);
}

public sealed record ToyBatch(Tensor X, Tensor Y) : IDisposable
{
    public void Dispose()
    {
        X.Dispose();
        Y.Dispose();
    }
}

/// <summary>
/// Deterministic batches: global batch i (batch size × ranks rows) is drawn from its own generator seeded by
/// (data seed, i); rank r takes rows [r·batch, (r+1)·batch). So 2 ranks × batch B see what 1 rank × batch 2B sees.
/// </summary>
public sealed class ToyRegressionData : IDataSource<ToyBatch>
{
    private readonly ToyRegressionConfig _config;
    private readonly int _batchSize, _rank, _ranks;
    private readonly Device _device;
    private readonly Tensor _w, _b;

    public ToyRegressionData(ToyRegressionConfig config, int batchSize, Device device, int rank = 0, int ranks = 1)
    {
        _config = config;
        _batchSize = batchSize;
        _rank = rank;
        _ranks = ranks;
        _device = device;
        var g = new Generator((ulong)config.DataSeed);
        _w = randn(config.Features, config.Outputs, generator: g).DetachFromDisposeScope();
        _b = randn(config.Outputs, generator: g).DetachFromDisposeScope();
    }

    public long NextBatch { get; private set; }
    public Tensor TrueWeight => _w;
    public Tensor TrueBias => _b;

    public ToyBatch Next() => Batch(NextBatch++);

    public ToyBatch Batch(long index)
    {
        var g = new Generator((ulong)(_config.DataSeed * 1_000_003 + index));
        var x = randn(_batchSize * _ranks, _config.Features, generator: g).narrow(0, _batchSize * _rank, _batchSize);
        var y = x.matmul(_w) + _b;
        return new ToyBatch(x.to(_device), y.to(_device));
    }

    public JsonNode SavePosition() => new JsonObject { ["next_batch"] = NextBatch };

    public void RestorePosition(JsonNode position)
        => NextBatch = position["next_batch"]?.GetValue<long>() ?? throw new InvalidDataException("toy data position lacks next_batch.");
}

public sealed class ToyRegressionTrainer : Trainer<ToyBatch>
{
    private readonly ToyRegressionConfig _config;
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly optim.Optimizer _optimizer;
    private readonly ToyRegressionData _data;
    private readonly Ema? _ema;

    public ToyRegressionTrainer(ToyRegressionConfig config, TrainerContext context)
    {
        _config = config;
        _model = nn.Linear(config.Features, config.Outputs).to(context.Device);
        _optimizer = new SafeAdamW(_model.parameters(), lr: context.Loop.Lr, weightDecay: context.Loop.WeightDecay);
        _data = new ToyRegressionData(config, context.Loop.BatchSize, context.Device, context.Rank, context.WorldSize);
        _ema = context.Loop.EmaDecay > 0 ? new Ema(_model, context.Loop.EmaDecay) : null;
        if (context.InitFrom is { } init) ModuleWeights.Load(_model, init.File(CheckpointFolder.ModelFile));
    }

    public override IReadOnlyDictionary<string, nn.Module> Modules => new Dictionary<string, nn.Module> { ["model"] = _model };
    public override IReadOnlyDictionary<string, optim.Optimizer> Optimizers => new Dictionary<string,
        optim.Optimizer>
    { ["adamw"] = _optimizer };
    public override Ema? Ema => _ema;
    public override object ModelConfig => _config;
    protected override IDataSource<ToyBatch> Source => _data;

    protected override IReadOnlyDictionary<string, double> Step(ToyBatch batch, StepContext context)
    {
        if (_config.StepDelayMs > 0) Thread.Sleep(_config.StepDelayMs);
        _optimizer.zero_grad();
        double loss = 0;
        int micro = batch.X.shape[0] is var rows && rows % _config.GradAccum == 0 ? (int)rows / _config.GradAccum
            : throw new InvalidOperationException($"grad_accum {_config.GradAccum} does not divide the batch of {rows}.");
        for (int m = 0; m < _config.GradAccum; m++)
        {
            // Mean over the micro-batches: the same gradient as one forward over the whole batch.
            using var scope = NewDisposeScope();
            var x = batch.X.narrow(0, m * micro, micro);
            var y = batch.Y.narrow(0, m * micro, micro);
            var part = nn.functional.mse_loss(_model.forward(x), y + _config.Noise * randn_like(y)) / _config.GradAccum;
            part.backward();
            loss += part.item<float>();
        }
        double gradNorm = context.ClipGradients(_model.parameters());
        _optimizer.step();
        return new Dictionary<string, double> { ["loss"] = loss, ["grad_norm"] = gradNorm };
    }

    public override IReadOnlyDictionary<string, double> Evaluate(EvalContext context)
    {
        using var noGrad = no_grad();
        var probe = _data.Batch(-1);
        try
        {
            double mse = nn.functional.mse_loss(_model.forward(probe.X), probe.Y).item<float>();
            var results = new Dictionary<string, double> { ["mse"] = mse };
            if (_ema is not null)
                using (_ema.SwapIn())
                    results["mse_ema"] = nn.functional.mse_loss(_model.forward(probe.X), probe.Y).item<float>();
            return results;
        }
        finally { probe.Dispose(); }
    }
}
