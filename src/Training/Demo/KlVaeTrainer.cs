using T2I.Core.Checkpoints;
using T2I.Core.Data;
using T2I.Core.Storage;
using T2I.Core.VisualTokenizer;
using T2I.Core.VisualTokenizer.Baseline;
using T2I.Training.Loop;
using T2I.Training.Tokenizer;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training.Demo;

/// <summary>
/// Trains the KL-VAE baseline from scratch: reconstruct from a reparameterised posterior sample, loss
/// L1 (+ w_p·LPIPS) + w_kl·KL + w_g·λ·GAN. Modules: <c>model</c> (EMA of it when ema_decay &gt; 0), <c>discriminator</c>.
/// The sample's noise comes from torch's global generator, which the loop checkpoints, so resumes are exact.
/// </summary>
public sealed class KlVaeTrainer : Trainer<TokenizerBatch>
{
    private readonly KlVaeTrainConfig config;
    private readonly KlVae model;
    private readonly AdversarialTerm gan;
    private readonly nn.Module<Tensor, Tensor, Tensor>? perceptualDistance;
    private readonly optim.Optimizer optimizer;
    private readonly BucketBatchSource<TokenizerBatch> data;
    private readonly GaussianCodecEvaluation evaluation;
    private readonly Ema? ema;

    public KlVaeTrainer(KlVaeTrainConfig config, TrainerContext context)
    {
        this.config = config;
        model = new KlVae(config.Vae);
        context.TryInitialise(model);
        model.to(context.Device);
        gan = new AdversarialTerm(new PatchDiscriminator(config.Discriminator).to(context.Device), config.GanWeight,
            config.DiscriminatorLr);
        perceptualDistance = PerceptualTerm.Open(config.Perceptual, config.LpipsWeights, config.PerceptualWeight, context.Device,
            context.Log);
        optimizer = new SafeAdamW(model.parameters(), context.Loop.Lr, weightDecay: context.Loop.WeightDecay);
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

    /// <summary>w_kl · KL as added to the loss: the per-image KL sum over the pixel count (see <see
    /// cref="KlVaeTrainConfig.KlWeight"/>).</summary>
    public static Tensor KlTerm(DiagonalGaussian posterior, Tensor images) =>
        posterior.Kl().mean().DividedBy(images.shape[1] * images.shape[2] * images.shape[3]);

    protected override IReadOnlyDictionary<string, double> Step(TokenizerBatch batch, StepContext ctx)
    {
        var images = batch.Images.to(ctx.Device);
        bool ganOn = ctx.Step > config.GanStartStep && config.GanWeight > 0;
        var posterior = model.Posterior(images);
        var reconstruction = model.Decode(posterior.Sample());

        var metrics = new Dictionary<string, double>();
        var l1 = (reconstruction - images).abs().mean();
        var perceptual = perceptualDistance?.forward(reconstruction, images).mean();
        var nll = perceptual is null ? l1 : l1.Plus(perceptual.Times(config.PerceptualWeight));
        var kl = KlTerm(posterior, images);
        var total = nll.Plus(kl.Times(config.KlWeight));
        if (ganOn) total = total.Plus(gan.Generator(nll, reconstruction, model.Decoder.LastLayerWeight, metrics));

        optimizer.zero_grad();
        total.backward();
        metrics["grad/norm"] = ctx.ClipGradients(model.parameters());
        optimizer.step();
        if (ganOn) gan.Update(images, reconstruction, metrics, ctx);

        metrics["loss"] = total.item<float>();
        metrics["loss/l1"] = l1.item<float>();
        metrics[config.Perceptual == PerceptualTerm.ResNet ? "loss/resnet_perceptual" : "loss/lpips"] = perceptual?.item<float>() ?? 0;
        metrics["loss/kl"] = kl.item<float>();
        metrics["latent/std"] = posterior.Std.mean().item<float>();
        return metrics;
    }

    public override IReadOnlyDictionary<string, double> Evaluate(EvalContext ctx)
    {
        using var swap = ema?.SwapIn(); // evaluate the weights inference uses
        return evaluation.Run(model, ctx.OutputDir);
    }
}
