using T2I.Core.VisualTokenizer;
using T2I.Training.Loop;

namespace T2I.Training.Tokenizer;

/// <summary>
/// The paper's three stages on real parts: the packaged ImageNet ResNet-18 (to layer3, f16) as E_p, real emoji
/// (<c>dataprep emoji</c> → <c>dataprep ingest</c>) at 64 px, the ResNet perceptual term. Semantics are probed on the
/// CLDR group (the label field), the subgroup and the art style.
/// </summary>
public sealed class EmojiTokenizerPresets : IPresetProvider
{
    /// <summary>emojibase's group names (meta/groups.json).</summary>
    public static readonly string[] Groups =
    [
        "smileys-emotion", "people-body", "component", "animals-nature", "food-drink", "travel-places", "activities",
        "objects", "symbols", "flags",
    ];

    private static readonly TokenizerStageConfig Emoji = new()
    {
        Tokenizer = AlignedTokenizerConfig.ResNetSmall, Discriminator = PatchDiscriminatorConfig.Tiny,
        Data = "data/emoji-buckets", ShardResolution = 64, TrainResolution = 64, EvalBatches = 16,
        Perceptual = TokenizerStageConfig.ResNetPerceptual, PerceptualWeight = 0.1,
        LabelField = "group", LabelClasses = Groups, ProbeFields = ["subgroup", "style"],
    };

    private static LoopSettings Loop(long steps, double lr, string? initFrom, double ema) => new()
    {
        Steps = steps, BatchSize = 16, Lr = lr, GradClip = 1.0, EmaDecay = ema, CheckpointEvery = 100,
        EvalEvery = 0, KeepLast = 2, InitFrom = initFrom, Seed = 23, Threads = 2,
    };

    public IEnumerable<Preset> Presets
    {
        get
        {
            var factory = new TokenizerTrainerFactory();
            return
            [
                new Preset<TokenizerStageConfig>("tok-emoji-s1",
                    "Emoji stage 1: ImageNet ResNet-18 frozen, adapter + decoder learn to reconstruct; GAN from step 200.",
                    Loop(600, 1e-3, null, 0), Emoji with { Stage = "s1", GanStartStep = 200 }, factory),
                new Preset<TokenizerStageConfig>("tok-emoji-s2",
                    "Emoji stage 2: everything trains, the ResNet too, with L_sp (w_sp = 1) against the frozen stage-1 latents.",
                    Loop(300, 1e-4, "runs/tok-emoji-s1", 0.99), Emoji with { Stage = "s2", SemanticWeight = 1 }, factory),
                new Preset<TokenizerStageConfig>("tok-emoji-s2-nosp",
                    "Emoji stage 2 ablation, w_sp = 0: the encoder is free to trade its ImageNet semantics for reconstruction.",
                    Loop(300, 1e-4, "runs/tok-emoji-s1", 0.99), Emoji with { Stage = "s2", SemanticWeight = 0 }, factory),
                new Preset<TokenizerStageConfig>("tok-emoji-s3", "Emoji stage 3: the decoder alone; latents untouched.",
                    Loop(600, 1e-3, "runs/tok-emoji-s2", 0.99), Emoji with { Stage = "s3" }, factory),
            ];
        }
    }
}
