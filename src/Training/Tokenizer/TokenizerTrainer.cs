using T2I.Core.Pretrained;
using T2I.Core.Checkpoints;
using T2I.Core.Data;
using T2I.Core.Storage;
using T2I.Core.VisualTokenizer;
using T2I.Core.VisualTokenizer.Losses;
using T2I.Training.Loop;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training.Tokenizer;

/// <summary>
/// The tokenizer stages on the training loop. Modules: <c>model</c> (the tokenizer; EMA of it when ema_decay &gt; 0),
/// <c>discriminator</c>, <c>classifier</c> (encoder pretraining head), <c>reference</c> (stage 2's frozen stage-1
/// encoder+adapter — checkpointed so a resumed stage 2 keeps the same target).
/// </summary>
public sealed class TokenizerTrainer : Trainer<TokenizerBatch>
{
    private readonly TokenizerStageConfig config;
    private readonly TokenizerStage stage;
    private readonly AlignedTokenizer model;
    private readonly AlignedTokenizer? reference;
    private readonly PatchDiscriminator discriminator;
    private readonly Linear classifier;
    private readonly nn.Module<Tensor, Tensor, Tensor>? perceptualDistance;
    private readonly optim.Optimizer optimizer;
    private readonly optim.Optimizer discriminatorOptimizer;
    private readonly Parameter[] trained;
    private readonly BucketBatchSource<TokenizerBatch> data;
    private readonly TokenizerEvaluation evaluation;
    private readonly Ema? ema;

    public TokenizerTrainer(TokenizerStageConfig config, TrainerContext context)
    {
        this.config = config;
        stage = config.Kind;
        var device = context.Device;
        model = new AlignedTokenizer(config.Tokenizer);
        discriminator = new PatchDiscriminator(config.Discriminator);
        classifier = nn.Linear(config.Tokenizer.EncoderWidth, config.Targets.Sum(t => t.Classes.Length)); // all targets' heads in one
        if (context.InitFrom is { } init)
        {
            // The previous stage's inference weights: its EMA when it kept one (the paper infers with EMA weights).
            string file = init.Has(CheckpointFolder.EmaFile) ? CheckpointFolder.EmaFile : CheckpointFolder.ModelFile;
            var report = ModuleWeights.Load(model, init.File(file), strict: false);
            context.Log($"init from {init.File(file)}: {report}");
            if (init.Has("discriminator.safetensors") && stage != TokenizerStage.LatentAlignment)
                ModuleWeights.Load(discriminator, init.File("discriminator.safetensors"), strict: false);
        }
        else if (config.EncoderWeights is { } timm)
        {
            TimmVitWeights.LoadInto(model.Vit, timm);
            context.Log($"encoder from timm weights {timm}");
        }
        else if (model.EncoderModule is ResNetPatchEncoder resnet)
        {
            if (stage == TokenizerStage.EncoderPretrain)
                throw new ArgumentException("The ResNet-18 encoder is pretrained on ImageNet already; start at stage 1.");
            resnet.LoadPretrained();
            context.Log($"encoder: ImageNet ResNet-18 to layer{config.Tokenizer.ResNet!.Stage} from {PretrainedPackages.ResNet18Onnx}");
        }
        if (stage == TokenizerStage.PerceptualAlignment)
        {
            reference = new AlignedTokenizer(config.Tokenizer);
            reference.load_state_dict(model.state_dict());
            Freeze(reference);
        }
        model.to(device); discriminator.to(device); classifier.to(device); reference?.to(device);

        perceptualDistance = stage == TokenizerStage.EncoderPretrain ? null
            : PerceptualTerm.Open(config.Perceptual, config.LpipsWeights, config.PerceptualWeight, device, context.Log);

        var named = SelectTrained();
        trained = named.Select(p => p.Parameter).ToArray();
        foreach (var p in model.parameters()) p.requires_grad = trained.Contains(p);
        optimizer = WeightDecayGroups.AdamW(named, context.Loop.Lr, context.Loop.WeightDecay);
        discriminatorOptimizer = new SafeAdamW(discriminator.parameters(), config.DiscriminatorLr, beta1: 0.5, beta2: 0.9);
        if (context.Loop.EmaDecay > 0) ema = new Ema(model, context.Loop.EmaDecay);

        IBlobStore store = BlobStores.Open(config.Data);
        var reader = BucketBatchReader.OpenAsync(store, config.ShardResolution,
            context.TrainingBatches(context.Loop.BatchSize, (int)context.Loop.Seed)).GetAwaiter().GetResult();
        data = new BucketBatchSource<TokenizerBatch>(reader, b => TokenizerBatch.From(b, config));
        var evalReader = BucketBatchReader.OpenAsync(store, config.ShardResolution,
            new BucketBatchOptions(context.Loop.BatchSize, (int)context.Loop.Seed + 1)).GetAwaiter().GetResult();
        evaluation = new TokenizerEvaluation(evalReader, config, context.Loop.BatchSize, device);
    }

    public override IReadOnlyDictionary<string, nn.Module> Modules
    {
        get
        {
            var modules = new Dictionary<string, nn.Module>
            {
                ["model"] = model, ["discriminator"] = discriminator,
                ["classifier"] = classifier
            };
            if (reference is not null) modules["reference"] = reference;
            return modules;
        }
    }

    public override IReadOnlyDictionary<string, optim.Optimizer> Optimizers =>
        new Dictionary<string, optim.Optimizer> { ["model"] = optimizer, ["discriminator"] = discriminatorOptimizer };

    public override Ema? Ema => ema;
    public override object ModelConfig => config.Tokenizer;
    protected override IDataSource<TokenizerBatch> Source => data;

    /// <summary>Which parameters each stage trains (the paper's Fig. 2), with their names (for the weight-decay groups).</summary>
    private (string Name, Parameter Parameter)[] SelectTrained()
    {
        static IEnumerable<(string, Parameter)> Of(nn.Module module) => module.named_parameters().Select(p => (p.name, p.parameter));
        return (stage switch
        {
            TokenizerStage.EncoderPretrain => Of(model.EncoderModule).Concat(Of(classifier)),
            TokenizerStage.LatentAlignment => Of(model.Adapter).Concat(Of(model.Decoder)),
            TokenizerStage.PerceptualAlignment => Of(model),
            _ => Of(model.Decoder),
        }).ToArray();
    }

    private static void Freeze(nn.Module module)
    {
        foreach (var p in module.parameters()) p.requires_grad = false;
        module.eval();
    }

    protected override IReadOnlyDictionary<string, double> Step(TokenizerBatch batch, StepContext ctx)
    {
        var images = batch.Images.to(ctx.Device);
        return stage == TokenizerStage.EncoderPretrain ? PretrainStep(images, batch.TargetLabels, ctx) : ReconstructionStep(images, ctx);
    }

    /// <summary>
    /// Supervised encoder pretraining on the synthetic labels: per target, cross-entropy of a linear head on the mean of
    /// the patch tokens — the features the adapter turns into latents and the linear probe reads — rather than the
    /// class token, which nothing downstream uses. Unlabelled samples (−1) do not count.
    /// </summary>
    private Dictionary<string, double> PretrainStep(Tensor images, long[][] labels, StepContext ctx)
    {
        var allLogits = classifier.forward(model.EncoderFeatures(images).mean([2, 3]));
        var loss = zeros(1, device: ctx.Device).sum();
        var accuracies = new List<(string Field, Tensor Accuracy)>();
        long offset = 0;
        for (int i = 0; i < config.Targets.Length; i++)
        {
            var target = tensor(labels[i], device: ctx.Device);
            var logits = allLogits.narrow(1, offset, config.Targets[i].Classes.Length);
            offset += config.Targets[i].Classes.Length;
            var valid = target.GreaterOrEqual(0);
            var count = valid.sum().ClampMin(1L);
            loss = loss.Plus(nn.functional.cross_entropy(logits, target.ClampMin(0L),
                reduction: nn.Reduction.None).mul(valid).sum() / count);
            accuracies.Add((config.Targets[i].Field, logits.argmax(1).eq(target).mul(valid).sum().to(float32) / count));
        }
        optimizer.zero_grad();
        loss.backward();
        double norm = ctx.ClipGradients(trained);
        optimizer.step();
        var metrics = new Dictionary<string, double> { ["loss"] = loss.item<float>(), ["grad/norm"] = norm };
        metrics["train/accuracy"] = accuracies[0].Accuracy.item<float>();
        foreach (var (field, accuracy) in accuracies.Skip(1)) metrics[$"train/accuracy/{field}"] = accuracy.item<float>();
        return metrics;
    }

    private Dictionary<string, double> ReconstructionStep(Tensor images, StepContext ctx)
    {
        bool ganOn = ctx.Step > config.GanStartStep && config.GanWeight > 0;
        Tensor latents;
        if (stage == TokenizerStage.DecoderRefinement) using (no_grad()) latents = model.Encode(images);
        else latents = model.Encode(images);
        var reconstruction = model.Decode(latents);

        var l1 = (reconstruction - images).abs().mean();
        var perceptual = perceptualDistance is null
            ? zeros(1, device: ctx.Device).sum()
            : perceptualDistance.forward(reconstruction, images).mean();
        var nll = l1.Plus(perceptual.Times(perceptualDistance is null ? 0.0 : config.PerceptualWeight));
        var total = nll;
        var metrics = new Dictionary<string, double>();

        if (ganOn)
        {
            var generator = HingeGanLoss.Generator(discriminator.forward(reconstruction));
            var weight = AdaptiveGanWeight.Compute(nll, generator, model.Decoder.LastLayerWeight, config.GanWeight);
            total = total.Plus(weight * generator);
            metrics["gan/generator"] = generator.item<float>();
            metrics["gan/adaptive_weight"] = weight.item<float>();
        }
        if (reference is not null)
        {
            Tensor frozen;
            using (no_grad()) frozen = reference.Encode(images);
            var raw = SemanticPreservationLoss.Compute(latents, frozen);
            metrics["loss/sp_raw"] = raw.item<float>();
            if (config.SemanticWeight > 0)
                total = total.Plus(SemanticPreservationLoss.Weighted(latents, frozen, nll, model.Encoder.LastLayerWeight,
                    config.SemanticWeight));
        }

        optimizer.zero_grad();
        total.backward();
        double norm = ctx.ClipGradients(trained);
        optimizer.step();

        if (ganOn)
        {
            discriminatorOptimizer.zero_grad();
            var dLoss = HingeGanLoss.Discriminator(discriminator.forward(images), discriminator.forward(reconstruction.detach()));
            dLoss.backward();
            ctx.AverageGradients(discriminator.parameters());
            discriminatorOptimizer.step();
            metrics["gan/discriminator"] = dLoss.item<float>();
        }
        metrics["loss"] = total.item<float>();
        metrics["loss/l1"] = l1.item<float>();
        metrics[config.Perceptual == TokenizerStageConfig.ResNetPerceptual ? "loss/resnet_perceptual" : "loss/lpips"] =
            perceptual.item<float>();
        metrics["grad/norm"] = norm;
        return metrics;
    }

    public override IReadOnlyDictionary<string, double> Evaluate(EvalContext ctx)
    {
        using var swap = ema?.SwapIn(); // the paper evaluates (and infers with) the EMA weights
        return evaluation.Run(model, stage == TokenizerStage.EncoderPretrain, ctx.OutputDir);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) { data.Dispose(); evaluation.Dispose(); }
        base.Dispose(disposing);
    }
}
