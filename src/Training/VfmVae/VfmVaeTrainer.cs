using T2I.Core.Checkpoints;
using T2I.Core.VisualTokenizer;
using T2I.Core.VisualTokenizer.Losses;
using T2I.Training.Demo;
using T2I.Training.Loop;
using T2I.Training.Tokenizer;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;
using Model = T2I.Core.VisualTokenizer.VfmVae.VfmVae;

namespace T2I.Training.VfmVae;

/// <summary>
/// Trains VFM-VAE with its VFM frozen (the paper's stages 1–2: strong, then weak alignment). Modules: <c>model</c> (EMA
/// of it when ema_decay &gt; 0), <c>discriminator</c>. The posterior sample's noise comes from torch's global generator,
/// which the loop checkpoints, so resumes are exact.
/// </summary>
public sealed class VfmVaeTrainer : Trainer<TokenizerBatch>
{
    private readonly VfmVaeTrainConfig config;
    private readonly Model model;
    private readonly AdversarialTerm gan;
    private readonly nn.Module<Tensor, Tensor, Tensor>? perceptualDistance;
    private readonly optim.Optimizer optimizer;
    private readonly BucketBatchSource<TokenizerBatch> data;
    private readonly GaussianCodecEvaluation evaluation;
    private readonly Ema? ema;
    private readonly TorchSharp.Modules.Parameter[] trainable;

    public VfmVaeTrainer(VfmVaeTrainConfig config, TrainerContext context)
    {
        this.config = config;
        model = new Model(config.Vae);
        if (!context.TryInitialise(model))
        {
            model.LoadPretrainedVfm();
            context.Log($"VFM: {config.Vae.Vfm.Kind} layers [{string.Join(", ", config.Vae.Vfm.Layers)}], frozen");
        }
        model.to(context.Device);
        gan = new AdversarialTerm(new PatchDiscriminator(config.Discriminator).to(context.Device), config.GanWeight,
            config.DiscriminatorLr);
        perceptualDistance = PerceptualTerm.Open(config.Perceptual, config.LpipsWeights, config.PerceptualWeight, context.Device,
            context.Log);
        trainable = model.TrainableParameters().Select(p => p.Parameter).ToArray();
        optimizer = new SafeAdamW(trainable, context.Loop.Lr,
            weightDecay: context.Loop.WeightDecay);
        if (context.Loop.EmaDecay > 0) ema = new Ema(model, context.Loop.EmaDecay);
        (data, var evalReader) = TokenizerShards.Open(config.BatchSettings, context);
        evaluation = new GaussianCodecEvaluation(evalReader, config.BatchSettings, config.EvalBatches, context.Device);
    }

    public override IReadOnlyDictionary<string, nn.Module> Modules =>
        new Dictionary<string, nn.Module> { ["model"] = model, ["discriminator"] = gan.Discriminator };

    public override IReadOnlyDictionary<string, optim.Optimizer> Optimizers =>
        new Dictionary<string, optim.Optimizer> { ["model"] = optimizer, ["discriminator"] = gan.Optimizer };

    public override Ema? Ema => ema;
    public override object ModelConfig => config.Vae;
    protected override IDataSource<TokenizerBatch> Source => data;

    protected override IReadOnlyDictionary<string, double> Step(TokenizerBatch batch, StepContext ctx)
    {
        var images = batch.Images.to(ctx.Device);
        bool strong = ctx.Step <= config.StrongAlignmentSteps;
        bool ganOn = ctx.Step > config.GanStartStep && config.GanWeight > 0;
        var encoding = model.Analyse(images);
        var scales = model.DecodeScales(encoding.Posterior.Sample());
        var reconstruction = scales[^1];

        var metrics = new Dictionary<string, double>();
        var l1 = MultiResolutionL1.PerScale(scales, images);
        var perceptual = perceptualDistance?.forward(reconstruction, images).mean();
        var nll = perceptual is null ? l1[^1] : l1[^1].Plus(perceptual.Times(config.PerceptualWeight));
        var kl = KlVaeTrainer.KlTerm(encoding.Posterior, images);
        var vf = VfLoss.Compute(model.VfProjection(encoding.Posterior.Mean), encoding.FinalFeatures);
        double repWeight = strong ? config.StrongRepWeight : config.WeakRepWeight;
        var reconstructionTerms = nll;
        // The smaller scales stay in the graph at weight 0 after strong alignment: their ToRGB heads then get zero gradients
        // rather than none, so AdamW treats them the same in a run that resumed after the switch as in one that did not.
        if (l1.Length > 1)
            reconstructionTerms = reconstructionTerms.Plus(stack(l1[..^1]).sum().Times(strong ? config.MultiScaleWeight : 0.0));
        if (ganOn)
            reconstructionTerms = reconstructionTerms.Plus(gan.Generator(nll, reconstruction, model.Decoder.LastLayerWeight, metrics));

        // VA-VAE's adaptive VF weight, ‖∇L_rec‖ / ‖∇L_VF‖ at the encoder's last layer. ∇L_rec is read from this step's own
        // backward pass (all reconstruction terms) rather than from a second backward of L_rec alone: the VF and KL terms
        // reach only the encoder side, so their backward is cheap, and the step costs one full backward instead of two.
        optimizer.zero_grad();
        reconstructionTerms.backward(retain_graph: true);
        var lastLayer = model.Encoder.LastLayerWeight;
        var reconstructionNorm = lastLayer.grad is { } g ? g.norm() : zeros(1).sum();
        var vfNorm = autograd.grad([vf.Sum], [lastLayer], retain_graph: true)[0].norm();
        var vfLambda = GradientNormRatio.FromNorms(reconstructionNorm, vfNorm);
        var representation = kl.Times(config.KlWeight * repWeight).Plus((vf.Sum * vfLambda).Times(config.VfWeight * repWeight));
        representation.backward();
        var total = reconstructionTerms.detach().Plus(representation.detach());
        metrics["grad/norm"] = ctx.ClipGradients(trainable);
        optimizer.step();
        if (ganOn) gan.Update(images, reconstruction, metrics, ctx);

        metrics["loss"] = total.item<float>();
        metrics["loss/l1"] = l1[^1].item<float>();
        for (int i = 0; i < l1.Length - 1; i++) metrics[$"loss/l1_{scales[i].shape[2]}px"] = l1[i].item<float>();
        metrics[config.Perceptual == PerceptualTerm.ResNet ? "loss/resnet_perceptual" : "loss/lpips"] = perceptual?.item<float>() ?? 0;
        metrics["loss/kl"] = kl.item<float>();
        metrics["loss/vf_mcos"] = vf.MarginalCosine.item<float>();
        metrics["loss/vf_mdms"] = vf.MarginalDistanceMatrix.item<float>();
        metrics["vf/adaptive_weight"] = vfLambda.item<float>();
        metrics["latent/std"] = encoding.Posterior.Std.mean().item<float>();
        return metrics;
    }

    public override IReadOnlyDictionary<string, double> Evaluate(EvalContext ctx)
    {
        using var swap = ema?.SwapIn(); // evaluate the weights inference uses
        return evaluation.Run(model, ctx.OutputDir);
    }
}
