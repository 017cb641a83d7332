using T2I.Core.Checkpoints;
using T2I.Core.Diffusion;
using T2I.Core.Dit;
using T2I.Core.Inference;
using T2I.Core.Pretrained.MiniLm;
using T2I.Core.Text;
using T2I.Training.Loop;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;
using T2I.Core.Latents;

namespace T2I.Training.Dit;

/// <summary>
/// Flow-matching training of the DiT (and, with the built-in encoder, the text encoder jointly):
/// x_t = (1 − t)·x0 + t·ε with logit-normal, token-shifted t; loss = ‖v(x_t, t, text) − (ε − x0)‖²;
/// captions dropped to "" with probability <c>caption_dropout</c> so CFG has an unconditional model.
/// </summary>
public sealed class DitTrainer : Trainer<DitBatch>
{
    private readonly DitTrainConfig _config;
    private readonly nn.Module _model;           // what model.safetensors holds (T2IModel or FluxDit)
    private readonly FluxDit _dit;
    private readonly ITextEncoder _text;
    private readonly bool _textTrains;
    private readonly ILatentCodec _codec;
    private readonly LatentCodecReference _codecReference;
    private TextEncoderWeights? _textWeights;    // t5+clip: the frozen encoders' folders, named in the checkpoint
    private readonly optim.Optimizer _optimizer;
    private readonly Ema? _ema;
    private readonly BucketBatchSource<DitBatch> _data;
    private readonly TimestepSampler _times;
    private readonly CaptionDropout _captionDropout;
    private readonly MicroBatching _microBatching;
    private readonly ScalarType? _autocast;
    private readonly IReadOnlyList<EvalPrompt> _evalPrompts;
    private readonly string _runDir;
    private readonly Action<string> _log;
    private T2I.Core.Eval.SyntheticAttributeClassifier? _judge;

    public DitTrainer(DitTrainConfig config, TrainerContext context)
    {
        (_config, _runDir, _log) = (config, context.RunDir, context.Log);
        _times = new TimestepSampler(ShiftFactor: config.FixedTimeShift);
        _captionDropout = new CaptionDropout(config.CaptionDropout, config.ShortCaptionRate);
        // Bit-exact resume: exact GELU (built-in text encoder) and the codec's convolutions give other bits with oneDNN
        // on than off, and the judge (first evaluation) or a tokenizer codec switches it off for the rest of the process.
        // Off from the first step, a resumed process computes what the uninterrupted one did.
        OneDnnWorkaround.Apply();
        var codecSource = DescribeLatents(config.Latents);
        _codec = LatentCodecs.Open(codecSource, context.Device);
        var shards = LatentShardSet.Prepare(config, _codec, codecSource.Identity, context.Device, config.CacheDir.Length > 0
            ? config.CacheDir : Path.Combine(context.RunDir, "latent-cache"), context.Log);
        // Statistics of this dataset under this codec; stored in the checkpoint so sampling can map back.
        var stats = config.LatentNorm switch
        {
            "channel" => shards.Statistics(perChannelStd: true),
            "global" => shards.Statistics(perChannelStd: false),
            "none" => LatentNormalization.Identity(_codec.LatentChannels),
            _ => throw new ArgumentException($"latent_norm '{config.LatentNorm}' is not one of: channel, global, none."),
        };
        _codecReference = LatentCodecReference.From(codecSource, _codec, stats);
        context.Log($"latents: {shards.Store.Location}, {shards.Rows} rows, {codecSource.Identity}, {_codec.LatentChannels} " +
            $"channels, mean |μ| {stats.Mean.Average(Math.Abs):0.###}, mean σ {stats.Std.Average():0.###}");
        _evalPrompts = GenerationEval.SelectPrompts(shards.Captions(), config.EvalPrompts);
        var size = DitConfig.ByName(config.DitSize) with { InChannels = _codec.LatentChannels };
        if (config.TextEncoder == "builtin")
        {
            var vocabulary = BuiltinVocabulary.Build(shards.Captions().Select(r => r.Caption), config.VocabularySize);
            var model = new T2IModel(size with { ContextInDim = config.BuiltinText.Width, VecInDim = config.BuiltinText.Width },
                config.BuiltinText, vocabulary);
            if (context.InitFrom is { } init) // the vocabulary must be the previous stage's, so rebuild from its file
            {
                model.Dispose();
                model = T2IModel.LoadCheckpoint(init, preferEma: false);
                context.Log($"DiT: initialised from {init.Path} (step {init.Step}).");
            }
            (_model, _dit, _text, _textTrains) = (model, model.dit, model.text_encoder, true);
        }
        else
        {
            var text = FrozenText(config, context.Device);
            var dit = new FluxDit(size with { ContextInDim = text.SequenceDim, VecInDim = text.PooledDim });
            if (context.InitFrom is { } init) ModuleWeights.Load(dit, init.File(CheckpointFolder.ModelFile));
            (_model, _dit, _text, _textTrains) = (dit, dit, text, false);
        }

        _microBatching = new DitMemoryPlan(config, context.Loop).Choose();
        _dit.GradientCheckpointing = _microBatching.Checkpointing;
        if (_microBatching.Accumulation > 1) context.Log($"batch {context.Loop.BatchSize} = micro-batch {_microBatching.MicroBatch} × " +
            $"grad_accum {_microBatching.Accumulation}");
        _autocast = Autocast.Parse(config.Precision);
        _model.to(context.Device);
        _optimizer = new SafeAdamW(_model.parameters(), lr: context.Loop.Lr, beta1: config.Beta1, beta2: config.Beta2,
            weightDecay: context.Loop.WeightDecay);
        _ema = context.Loop.EmaDecay > 0 ? new Ema(_model, context.Loop.EmaDecay) : null; // after init_from, so EMA starts there
        var device = context.Device;
        _data = new BucketBatchSource<DitBatch>(shards.OpenReader(context.TrainingBatches(context.Loop.BatchSize, (int)context.Loop.Seed)),
            batch => shards.ToBatch(batch, stats, device));
    }

    /// <summary>
    /// A frozen text encoder on the training device: FLUX's t5+clip (bf16 on CUDA: T5-XXL in fp32 on the CPU would be the
    /// step's bottleneck) or MiniLM from its package; <c>text_cache</c> N keeps N prompts' outputs (see CachedTextEncoder).
    /// </summary>
    private ITextEncoder FrozenText(DitTrainConfig config, Device device)
    {
        ITextEncoder text;
        if (config.TextEncoder == "t5+clip")
        {
            _textWeights = new TextEncoderWeights(Path.GetFullPath(config.T5Path), Path.GetFullPath(config.ClipPath), config.TextTokenCap);
            text = FluxTextEncoder.Load(_textWeights, Environment.CurrentDirectory).PlaceFrozen(device);
        }
        else if (config.TextEncoder == MiniLmTextEncoder.EncoderName) text = MiniLmTextEncoder.FromPackage().PlaceOn(device);
        else throw new ArgumentException($"text_encoder '{config.TextEncoder}' is not one of: builtin, t5+clip, " +
            $"{MiniLmTextEncoder.EncoderName}.");
        return config.TextCache > 0 ? new CachedTextEncoder(text, config.TextCache) : text;
    }

    /// <summary>The latents codec; a tokenizer run that was never trained says which commands make it.</summary>
    private static LatentCodecSource DescribeLatents(string latents)
    {
        try { return LatentCodecs.Describe(latents); }
        catch (DirectoryNotFoundException e)
        {
            throw new DirectoryNotFoundException(
                $"latents '{latents}' has no complete checkpoint: train the tokenizer chain first (`training launch tok-tiny-pretrain`, " +
                "then tok-tiny-s1, tok-tiny-s2, tok-tiny-s3; or `training demo`), or pass --set latents=dct.", e);
        }
    }

    /// <summary>The model, and the frozen codec's weights (codec.safetensors) so the checkpoint decodes on its own.</summary>
    public override IReadOnlyDictionary<string, nn.Module> Modules => LatentCodecs.WeightsOf(_codec) is { } codec
        ? new Dictionary<string, nn.Module> { ["model"] = _model, ["codec"] = codec }
        : new Dictionary<string, nn.Module> { ["model"] = _model };
    public override IReadOnlyDictionary<string, optim.Optimizer> Optimizers => new Dictionary<string,
        optim.Optimizer>
    { ["adamw"] = _optimizer };
    public override Ema? Ema => _ema;
    public override object ModelConfig => new T2IModelConfig(_dit.Config, _config.BuiltinText, _config.TextEncoder,
        _codecReference, _config.Resolution, _config.FixedTimeShift, _textWeights);
    protected override IDataSource<DitBatch> Source => _data;

    protected override IReadOnlyDictionary<string, double> Step(DitBatch batch, StepContext context)
    {
        _optimizer.zero_grad();
        var x0 = batch.Latents;
        long n = x0.shape[0], tokens = x0.shape[2] * x0.shape[3];
        // Every random draw is made for the whole batch and then cut, so micro-batches train on what one batch would.
        var captions = _captionDropout.Apply(batch.Captions, batch.ShortCaptions);
        var t = _times.Sample(n, tokens).to(x0.device);
        var noise = randn_like(x0);
        double loss = 0, flops = 0;
        for (long start = 0; start < n; start += _microBatching.MicroBatch)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(_microBatching.MicroBatch, n - start);
            var part = captions.Skip((int)start).Take((int)count).ToList();
            using var text = _textTrains ? _text.Encode(part) : EncodeFrozen(part);
            var tPart = t.narrow(0, start, count);
            var (xt, target) = FlowMatchingLoss.Pair(x0.narrow(0, start, count), noise.narrow(0, start, count), tPart);
            Tensor v;
            using (Autocast.Enable(_autocast)) v = _dit.ForwardLatents(xt, tPart, text.Sequence, text.Pooled, text.Mask);
            var partLoss = FlowMatchingLoss.Compute(v, target);
            // The batch's mean loss is the micro-batches' means weighted by their share; so are its gradients.
            if (count < n) partLoss = partLoss.Times((double)count / n);
            partLoss.backward();
            loss += partLoss.item<float>();
            flops += 3 * _dit.Config.ForwardFlops(tokens, text.Sequence.shape[1]) * count; // at this part's real text length
        }
        double gradNorm = context.ClipGradients(_model.parameters());
        _optimizer.step();
        return new Dictionary<string, double>
        {
            ["loss"] = loss, ["grad_norm"] = gradNorm, ["tokens"] = tokens,
            [StepBenchmark.FlopsMetric] = flops
        };
    }

    private TextEncoding EncodeFrozen(IReadOnlyList<string> captions)
    {
        using var noGrad = no_grad();
        return _text.Encode(captions);
    }

    /// <summary>
    /// Generates one image per evaluation prompt (captions of the data with distinct colour/shape labels) with the EMA
    /// weights (DDIM, CFG) and judges them with the attribute classifier: prompt adherence measurable on CPU.
    /// </summary>
    public override IReadOnlyDictionary<string, double> Evaluate(EvalContext context)
    {
        if (_evalPrompts.Count == 0) return new Dictionary<string, double>();
        _judge ??= GenerationEval.LoadOrTrainClassifier(_config, _runDir, context.Loop.Seed, _log);
        using var swap = _ema?.SwapIn();
        var pipeline = new T2IPipeline(_text, _dit, new DenormalizingDecoder(_codec, _codecReference.Normalization),
            $"eval-step{context.Step}",
            _config.Resolution, context.Device)
        { PreviewEvery = 0, TimeShift = _config.FixedTimeShift };
        var scores = GenerationEval.Measure(pipeline, _judge, _evalPrompts, _config, context.OutputDir);
        _model.train();
        return scores;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _judge?.Dispose();
        base.Dispose(disposing);
    }
}
