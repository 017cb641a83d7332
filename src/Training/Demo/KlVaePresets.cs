using T2I.Core.VisualTokenizer;
using T2I.Core.VisualTokenizer.Baseline;
using T2I.Training.Loop;
using T2I.Training.Tokenizer;

namespace T2I.Training.Demo;

/// <summary>
/// The KL-VAE baseline of the paper's comparison (Fig. 4 right / Table 3): same latent shape, same decoder, same
/// data and losses as the aligned tokenizer, trained from scratch. Budgets: the paper preset sees as many samples as
/// stages 1–3 together (450k × 256); the tiny preset the reconstruction steps of tok-tiny-s1 + s2 + s3
/// ((600 + 300 + 1500) × 8 images at 128 px). The aligned chain's other cost, 3000 ViT classification steps of
/// encoder pretraining (standing in for DINOv2), measured ≈ 0.07 s each against ≈ 1 s for a reconstruction step, is
/// ≈ 9 % on top. GAN from the same step as tiny stage 1. A test keeps these
/// in step with the tokenizer presets.
/// </summary>
public sealed class KlVaePresets : IPresetProvider
{
    public IEnumerable<Preset> Presets
    {
        get
        {
            var factory = new KlVaeTrainerFactory();
            return
            [
                new Preset<KlVaeTrainConfig>("kl-vae",
                    "Paper-scale KL-VAE baseline (f16 d32, VA-VAE decoder, w_kl 1e-6), 450k steps × 256 from scratch.",
                    new LoopSettings { Steps = 450_000, BatchSize = 256, Lr = 1e-4, GradClip = 0, EmaDecay = 0.9999,
                        CheckpointEvery = 5000, EvalEvery = 5000, KeepLast = 3 },
                    new KlVaeTrainConfig { Vae = KlVaeConfig.Paper, Discriminator = PatchDiscriminatorConfig.Paper,
                        GanStartStep = 5000 }, factory),
                new Preset<KlVaeTrainConfig>("kl-vae-tiny",
                    "Tiny KL-VAE baseline with tok-tiny's latent shape and decoder; 2400 × 8 images at 128 px (the tiny aligned " +
                    "chain's reconstruction steps, s1 + s2 + s3).",
                    new LoopSettings { Steps = 2400, BatchSize = 8, Lr = 1e-3, GradClip = 1.0, EmaDecay = 0.99, CheckpointEvery = 100,
                        EvalEvery = 0, KeepLast = 2, Seed = 11, Threads = 2 },
                    new KlVaeTrainConfig { TrainResolution = 128, EvalBatches = 32, GanStartStep = 200 }, factory),
                new Preset<KlVaeTrainConfig>("kl-vae-emoji",
                    "Emoji KL-VAE baseline: tok-emoji's latent shape (f16 d32 at 64 px), decoder, losses and data, from scratch " +
                    "for the emoji chain's reconstruction steps (s1 + s2 + s3 = 1500) × 16.",
                    new LoopSettings { Steps = 1500, BatchSize = 16, Lr = 1e-3, GradClip = 1.0, EmaDecay = 0.99, CheckpointEvery = 100,
                        EvalEvery = 0, KeepLast = 2, Seed = 23, Threads = 2 },
                    new KlVaeTrainConfig
                    {
                        Vae = KlVaeConfig.Matching(AlignedTokenizerConfig.ResNetSmall), Discriminator = PatchDiscriminatorConfig.Tiny,
                        Data = "data/emoji-buckets", ShardResolution = 64, TrainResolution = 64, EvalBatches = 16,
                        Perceptual = PerceptualTerm.ResNet, PerceptualWeight = 0.1, GanStartStep = 200,
                        LabelField = "group", LabelClasses = EmojiTokenizerPresets.Groups,
                    }, factory),
            ];
        }
    }
}

public sealed class KlVaeTrainerFactory : ITrainerFactory<KlVaeTrainConfig>
{
    public string Name => KlVaeConfig.KindName;

    public TrainingPlan Plan(KlVaeTrainConfig config, LoopSettings loop)
    {
        var vae = config.Vae;
        long encoder = vae.EncoderParameters(), total = vae.ParameterCount();
        long disc = DiscriminatorParameters(config.Discriminator);
        long pixels = (long)loop.BatchSize * config.TrainResolution * config.TrainResolution;
        long activations = 2 * pixels * vae.Decoder.BaseChannels * 4 * 12; // encoder ≈ decoder
        return new TrainingPlan(
        [
            new("encoder (conv) + quant convs", total - vae.Decoder.ParameterCount(), total - vae.Decoder.ParameterCount()),
            new("decoder", vae.Decoder.ParameterCount(), vae.Decoder.ParameterCount()),
            new("discriminator", disc, disc),
        ], MemoryEstimate.Training(total + disc, 0, loop.EmaDecay > 0, activations),
        [
            $"KL-VAE: latent " +
                $"{vae.LatentChannels}×{config.TrainResolution / vae.Downsampling}×{config.TrainResolution / vae.Downsampling} at " +
                $"base {config.TrainResolution}, f = {vae.Downsampling}; encoder {encoder:N0} params mirrors the decoder",
            $"data: {config.Data} res{config.ShardResolution} → resized to the nearest res{config.TrainResolution} bucket, one " +
                $"bucket per batch of {loop.BatchSize}",
            $"losses: L1 + {PerceptualPlan(config)} " +
                $"+ {config.KlWeight:G3}·KL (per-image sum / pixels) + {config.GanWeight}·λ·GAN from step {config.GanStartStep}",
        ]);
    }

    private static string PerceptualPlan(KlVaeTrainConfig c) => c.PerceptualWeight <= 0 ? "no perceptual term"
        : c.Perceptual == PerceptualTerm.ResNet ? $"{c.PerceptualWeight}·ResNet-18 perceptual"
        : c.LpipsWeights is null ? "LPIPS OFF (no lpips_weights)" : $"{c.PerceptualWeight}·LPIPS";

    /// <summary>PatchGAN parameter count by formula (4×4 convs; BatchNorm affine on the middle layers).</summary>
    private static long DiscriminatorParameters(PatchDiscriminatorConfig d)
    {
        long total = 3L * d.BaseChannels * 16 + d.BaseChannels, mult = 1;
        for (int n = 1; n <= d.Layers; n++)
        {
            long prev = mult;
            mult = Math.Min(1 << n, 8);
            total += d.BaseChannels * prev * d.BaseChannels * mult * 16 + 2 * d.BaseChannels * mult;
        }
        return total + d.BaseChannels * mult * 16 + 1;
    }

    public ITrainer Create(KlVaeTrainConfig config, TrainerContext context) => new KlVaeTrainer(config, context);
}
