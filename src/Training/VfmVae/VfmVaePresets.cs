using T2I.Core.VisualTokenizer;
using T2I.Core.VisualTokenizer.VfmVae;
using T2I.Training.Loop;
using T2I.Training.Tokenizer;

namespace T2I.Training.VfmVae;

/// <summary>
/// VFM-VAE presets. <c>vfm-vae</c>: the paper's tokenizer (SigLIP2-Large/16 at 512, Table 9; stages 1–2 of Table 10:
/// 40M images × 256 px, batch 512, strong alignment for the first half), weights user-supplied with
/// <c>--set config.vae.vfm.weights=FOLDER</c>. <c>vfm-vae-emoji</c>: the CPU arm of the three-way comparison — the
/// packaged ResNet-18 as the VFM, the latent shape (f16 d32 at 64 px), data, perceptual term, GAN schedule and
/// reconstruction budget (1,500 × 16) of <c>tok-emoji-s1..s3</c> and <c>kl-vae-emoji</c>.
/// </summary>
public sealed class VfmVaePresets : IPresetProvider
{
    public IEnumerable<Preset> Presets
    {
        get
        {
            var factory = new VfmVaeTrainerFactory();
            return
            [
                new Preset<VfmVaeTrainConfig>("vfm-vae",
                    "Paper-scale VFM-VAE: frozen SigLIP2-Large/16 (hidden states 0, 12, last) → attention projection → 16×16×32; " +
                    "multi-scale modulated ConvNeXt decoder; strong then weak alignment. Needs config.vae.vfm.weights.",
                    new LoopSettings { Steps = 78_000, BatchSize = 512, Lr = 1e-4, GradClip = 0, EmaDecay = 0.9999,
                        CheckpointEvery = 2000, EvalEvery = 2000, KeepLast = 3 },
                    new VfmVaeTrainConfig
                    {
                        Vae = VfmVaeConfig.SigLip2Paper, Discriminator = PatchDiscriminatorConfig.Paper, StrongAlignmentSteps = 39_000,
                        PerceptualWeight = 10, GanStartStep = 0,
                    }, factory),
                new Preset<VfmVaeTrainConfig>("vfm-vae-emoji",
                    "Emoji VFM-VAE: frozen ImageNet ResNet-18 (stages 1–3) → attention projection → 4×4×32 at 64 px; the emoji " +
                    "chain's data, losses and 1500 × 16 reconstruction budget; strong alignment for the first 750 steps.",
                    new LoopSettings { Steps = 1500, BatchSize = 16, Lr = 1e-3, GradClip = 1.0, EmaDecay = 0.99, CheckpointEvery = 100,
                        EvalEvery = 0, KeepLast = 2, Seed = 23, Threads = 2 },
                    new VfmVaeTrainConfig
                    {
                        Vae = VfmVaeConfig.ResNetSmall, Discriminator = PatchDiscriminatorConfig.Tiny, StrongAlignmentSteps = 750,
                        Data = "data/emoji-buckets", ShardResolution = 64, TrainResolution = 64, EvalBatches = 16,
                        Perceptual = PerceptualTerm.ResNet, PerceptualWeight = 0.1, GanStartStep = 200,
                        LabelField = "group", LabelClasses = EmojiTokenizerPresets.Groups,
                    }, factory),
            ];
        }
    }
}

public sealed class VfmVaeTrainerFactory : ITrainerFactory<VfmVaeTrainConfig>
{
    public string Name => VfmVaeConfig.KindName;

    public TrainingPlan Plan(VfmVaeTrainConfig config, LoopSettings loop)
    {
        var vae = config.Vae.Validate();
        using var model = new T2I.Core.VisualTokenizer.VfmVae.VfmVae(vae);
        long Count(string prefix) => model.named_parameters().Where(p => p.name.StartsWith(prefix, StringComparison.Ordinal))
            .Sum(p => p.parameter.numel());
        long vfm = Count("vfm."), encoder = Count("encoder."), decoder = Count("decoder."), vf = Count("vf_proj.");
        long pixels = (long)loop.BatchSize * config.TrainResolution * config.TrainResolution;
        long activations = pixels * vae.BlockChannels[^1] * 4 * 16; // the last two octaves dominate
        int grid = config.TrainResolution / vae.Downsampling;
        return new TrainingPlan(
        [
            new($"VFM ({vae.Vfm.Kind}, frozen)", vfm, 0),
            new("attention projection (encoder side)", encoder, encoder),
            new("multi-scale decoder", decoder, decoder),
            new("VF projection", vf, vf),
        ], MemoryEstimate.Training(encoder + decoder + vf, vfm, loop.EmaDecay > 0, activations),
        [
            $"VFM-VAE: latent {vae.LatentChannels}×{grid}×{grid} at base {config.TrainResolution}; decoder blocks at " +
                string.Join(", ", Enumerable.Range(0, vae.BlockCount).Select(i => $"{grid * (1 << i) / 2}")) + " px",
            $"data: {config.Data} res{config.ShardResolution} → res{config.TrainResolution} buckets, batch {loop.BatchSize}",
            $"losses: L1 + {config.MultiScaleWeight}·multi-res L1 (strong only) + {config.PerceptualWeight}·{config.Perceptual} + " +
                $"λ_rep·({config.KlWeight:G3}·KL + {config.VfWeight}·λ·VF), λ_rep {config.StrongRepWeight} for " +
                $"{config.StrongAlignmentSteps} steps then {config.WeakRepWeight}; " +
                $"{config.GanWeight}·λ·GAN from step {config.GanStartStep}",
        ]);
    }

    public ITrainer Create(VfmVaeTrainConfig config, TrainerContext context) => new VfmVaeTrainer(config, context);
}
