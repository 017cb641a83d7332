using System.Text.Json.Nodes;
using T2I.Core.Checkpoints;
using T2I.Training.Loop;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Loop;

/// <summary>
/// The in-process test trainer: a two-layer MLP with dropout (draws from the global generator), two optimizers of
/// different kinds (AdamW with lazily-free state, SGD with momentum) and an EMA — every piece of state a resume must
/// restore exactly. Batches come from per-index generators, the position is the next batch index.
/// </summary>
public sealed record ToyMlpConfig
{
    public int Inputs { get; init; } = 6;
    public int Hidden { get; init; } = 16;
    public double Dropout { get; init; } = 0.2;
    public double SgdLr { get; init; } = 0.02;
    /// <summary>Test hook: an estimate this large makes the memory guard refuse the run.</summary>
    public long ExtraMemoryBytes { get; init; }
    /// <summary>Test hook: the evaluation at this step throws.</summary>
    public long FailEvalAtStep { get; init; } = -1;
}

public sealed class ToyMlpFactory : ITrainerFactory<ToyMlpConfig>
{
    public int Created;
    public string Name => "toy-mlp";

    public TrainingPlan Plan(ToyMlpConfig c, LoopSettings loop)
    {
        long p = c.Inputs * c.Hidden + c.Hidden + c.Hidden + 1;
        return new TrainingPlan([new ParameterCount("mlp", p, p)], MemoryEstimate.Training(p, 0, loop.EmaDecay > 0, 0) + c.ExtraMemoryBytes, ["data: toy"]);
    }

    public ITrainer Create(ToyMlpConfig config, TrainerContext context)
    {
        Interlocked.Increment(ref Created);
        return new ToyMlpTrainer(config, context);
    }

    public static Preset<ToyMlpConfig> Preset(LoopSettings? loop = null, ToyMlpConfig? config = null, ToyMlpFactory? factory = null)
        => new("toy-mlp", "test MLP", loop ?? DefaultLoop, config ?? new ToyMlpConfig(), factory ?? new ToyMlpFactory());

    public static readonly LoopSettings DefaultLoop = new()
    {
        Steps = 20, BatchSize = 8, Lr = 0.01, WarmupSteps = 3, Schedule = "cosine", GradClip = 1.0, EmaDecay = 0.8,
        CheckpointEvery = 10, KeepLast = 5, EvalEvery = 5, Seed = 11,
    };
}

public sealed class ToyMlpModel : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> fc1, drop, fc2;

    public ToyMlpModel(ToyMlpConfig c) : base("ToyMlp")
    {
        fc1 = nn.Linear(c.Inputs, c.Hidden);
        drop = nn.Dropout(c.Dropout);
        fc2 = nn.Linear(c.Hidden, 1);
        RegisterComponents();
    }

    public nn.Module First => fc1;
    public nn.Module Second => fc2;

    public override Tensor forward(Tensor x) => fc2.forward(drop.forward(nn.functional.gelu(fc1.forward(x))));
}

public sealed class ToyMlpData(int inputs, int batch) : IDataSource<(Tensor X, Tensor Y)>
{
    public long NextIndex;

    public (Tensor X, Tensor Y) Next() => Batch(NextIndex++);

    public (Tensor X, Tensor Y) Batch(long i)
    {
        var g = new Generator((ulong)(977 + i));
        var x = randn(batch, inputs, generator: g);
        var y = (x.sum(1, keepdim: true) * 0.5).sin();
        return (x, y);
    }

    public JsonNode SavePosition() => new JsonObject { ["next"] = NextIndex };
    public void RestorePosition(JsonNode position) => NextIndex = position["next"]!.GetValue<long>();
}

public sealed class ToyMlpTrainer : Trainer<(Tensor X, Tensor Y)>
{
    private readonly ToyMlpConfig _config;
    private readonly ToyMlpModel _model;
    private readonly optim.Optimizer _adam, _sgd;
    private readonly ToyMlpData _data;
    private readonly Ema? _ema;
    private long _seenSamples;

    public ToyMlpTrainer(ToyMlpConfig config, TrainerContext context)
    {
        _config = config;
        _model = new ToyMlpModel(config);
        _adam = optim.AdamW(_model.First.parameters(), lr: context.Loop.Lr, weight_decay: 0.01);
        _sgd = optim.SGD(_model.Second.parameters(), learningRate: config.SgdLr, momentum: 0.9);
        _data = new ToyMlpData(config.Inputs, context.Loop.BatchSize);
        _ema = context.Loop.EmaDecay > 0 ? new Ema(_model, context.Loop.EmaDecay) : null;
        if (context.InitFrom is { } init) ModuleWeights.Load(_model, init.File(CheckpointFolder.ModelFile));
    }

    public ToyMlpModel Model => _model;
    public long SeenSamples => _seenSamples;
    public override IReadOnlyDictionary<string, nn.Module> Modules => new Dictionary<string, nn.Module> { ["model"] = _model };
    public override IReadOnlyDictionary<string, optim.Optimizer> Optimizers => new Dictionary<string, optim.Optimizer> { ["adamw"] = _adam, ["sgd"] = _sgd };
    public override Ema? Ema => _ema;
    public override object ModelConfig => _config;
    protected override IDataSource<(Tensor X, Tensor Y)> Source => _data;

    protected override IReadOnlyDictionary<string, double> Step((Tensor X, Tensor Y) batch, StepContext context)
    {
        _model.train();
        _adam.zero_grad();
        _sgd.zero_grad();
        var loss = nn.functional.mse_loss(_model.forward(batch.X), batch.Y);
        loss.backward();
        double norm = context.ClipGradients(_model.parameters());
        _adam.step();
        _sgd.step();
        _seenSamples += batch.X.shape[0];
        return new Dictionary<string, double> { ["loss"] = loss.item<float>(), ["grad/norm"] = norm };
    }

    public override IReadOnlyDictionary<string, double> Evaluate(EvalContext context)
    {
        if (context.Step == _config.FailEvalAtStep) throw new InvalidOperationException($"evaluation failed at step {context.Step}");
        _model.eval();
        using var noGrad = no_grad();
        var (x, y) = _data.Batch(-5);
        double mse = nn.functional.mse_loss(_model.forward(x), y).item<float>();
        // Deliberately draws random numbers: the loop must keep evaluation from shifting the training stream.
        double noise = randn(3).sum().item<float>();
        _model.train();
        return new Dictionary<string, double> { ["mse"] = mse, ["noise"] = noise };
    }

    public override JsonNode? SaveState() => new JsonObject { ["seen"] = _seenSamples };
    public override void LoadState(JsonNode? state) => _seenSamples = state?["seen"]?.GetValue<long>() ?? 0;
}
