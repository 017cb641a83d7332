using T2I.Training.Loop;

namespace T2I.Training.Dit;

/// <summary>
/// The paper's T2I presets (§4.4 / App. A: ~2B FLUX-style DiT, lr 1e-4 with weight decay, 256-px phase of 200k
/// steps at batch 2048, then a 512-px phase of 90k steps at batch 512 initialised from it) and CPU-sized ones
/// of the same code on dataprep's synthetic shards.
/// </summary>
public sealed class DitPresets : IPresetProvider
{
    private static readonly DitTrainerFactory Factory = new();

    /// <summary>
    /// Weight decay is not given in the paper ("with weight decay"); 0.01 is our choice. Warmup 1k steps is ours
    /// too. EMA 0.999 and grad clip 1.0 follow minFM.
    /// </summary>
    private static readonly LoopSettings PaperLoop = new()
    {
        Lr = 1e-4, WeightDecay = 0.01, WarmupSteps = 1000, Schedule = "constant", GradClip = 1.0, EmaDecay = 0.999,
        CheckpointEvery = 1000, KeepLast = 3, EvalEvery = 10_000, Seed = 0,
    };

    private static readonly DitTrainConfig PaperConfig = new()
    {
        DitSize = "2b", TextEncoder = "t5+clip", Resolution = 256, Data = "data/buckets", Latents = "runs/tok-s3", EvalSteps = 50,
        Precision = "bf16",
    };

    /// <summary>
    /// CPU: a few hundred steps on dataprep's synthetic shards at 128-px buckets (8×8 latents); EMA 0.99 because the
    /// run is short. One thread:
    /// measured here, tiny ops under a shared 2-core load ran ~20× slower with 2 torch threads than with 1.
    /// </summary>
    private static readonly LoopSettings TinyLoop = new()
    {
        Steps = 1500, BatchSize = 32, Lr = 1e-3, WeightDecay = 0.01, WarmupSteps = 50, Schedule = "cosine", MinLrRatio = 0.1,
        GradClip = 1.0, EmaDecay = 0.99, CheckpointEvery = 250, KeepLast = 2, EvalEvery = 500, Seed = 0, Threads = 1,
    };

    public IEnumerable<Preset> Presets =>
    [
        new Preset<DitTrainConfig>("t2i-256",
            "Paper T2I phase 1: ~2B FLUX-style DiT on aligned-tokenizer latents (f16 d32), T5-XXL + CLIP-L text, 256-px buckets, " +
                "200k steps × 2048.",
            PaperLoop with { Steps = 200_000, BatchSize = 2048 }, PaperConfig, Factory),
        new Preset<DitTrainConfig>("t2i-512",
            "Paper T2I phase 2: continues from t2i-256's final checkpoint on 512-px buckets, 90k steps × 512.",
            PaperLoop with { Steps = 90_000, BatchSize = 512, InitFrom = "runs/t2i-256" }, PaperConfig with { Resolution = 512 }, Factory),
        new Preset<DitTrainConfig>("t2i-tiny",
            "CPU: tiny DiT + built-in text encoder on the tiny tokenizer's latents of dataprep's synthetic shards, 128-px buckets " +
                "(the demo model's recipe).",
            TinyLoop, new DitTrainConfig(), Factory),
        new Preset<DitTrainConfig>("t2i-tiny-demo",
            "CPU: the DCT-latent comparison model (models/t2i-tiny-demo; the web default is models/t2i-demo). Tiny DiT on raw DCT " +
                "latents of the demo vocabulary's large objects " +
            "(`dataprep synth --count 6000 --defect-share 0 --shapes circle,square,triangle --colors red,green,blue,yellow " +
            "--backgrounds white,gray,blue` + `dataprep ingest --resolution 256` into data/demo-buckets), half the captions " +
            "shortened to 'a red circle'.",
            TinyLoop with { Steps = 10_000, CheckpointEvery = 2500, EvalEvery = 2500 },
            new DitTrainConfig
            {
                Latents = "dct", LatentNorm = "none", Data = "data/demo-buckets", CaptionWord = "large", ShortCaptionRate = 0.5,
                EvalClassifier = "models/judge-synth",
            }, Factory),
        new Preset<DitTrainConfig>("t2i-tiny-aligned",
            "CPU: the web demo model's recipe (models/t2i-demo: t2i-tiny-demo's data, captions and judge) on the aligned " +
                "tokenizer's latents from the tiny chain " +
            "(runs/tok-tiny-s3); per-channel latent statistics as for any learned codec. `training demo` and `compare-latents` train it; " +
            "10000 steps like t2i-tiny-demo, every checkpoint kept so gen-accuracy can judge the curve; time shift 3 " +
            "(shape 50 → 72 % on aligned latents, 54 → 59 % on the KL-VAE's; README).",
            TinyLoop with { Steps = 10_000, CheckpointEvery = 1000, EvalEvery = 1000, KeepLast = 10 },
            new DitTrainConfig
            {
                Latents = "runs/tok-tiny-s3", Data = "data/demo-buckets", CaptionWord = "large", ShortCaptionRate = 0.5, TimeShift = 3,
                EvalClassifier = "models/judge-synth",
            }, Factory),
        new Preset<DitTrainConfig>("t2i-emoji",
            "CPU: text-to-emoji (models/t2i-emoji). Mini DiT on the ResNet-18 aligned tokenizer's latents of the real emoji " +
                "(runs/tok-emoji-s3: 64 px → 4×4×32), conditioned by the frozen all-MiniLM-L6-v2 (token states + sentence " +
                "embedding, cached per caption); the CLDR label is the caption. Judged by models/judge-emoji with " +
                "gen-accuracy on the kept checkpoints (the in-run evaluation judges synthetic attributes only).",
            TinyLoop with { Steps = 6000, BatchSize = 64, CheckpointEvery = 1000, EvalEvery = 0, KeepLast = 6 },
            new DitTrainConfig
            {
                DitSize = "mini", TextEncoder = T2I.Core.Pretrained.MiniLm.MiniLmTextEncoder.EncoderName, TextCache = 16_384,
                Latents = "runs/tok-emoji-s3", Data = "data/emoji-buckets", ShardResolution = 64, Resolution = 64, TimeShift = 3,
            }, Factory),
        new Preset<DitTrainConfig>("t2i-tiny-hires",
            "CPU: t2i-tiny continued at 256-px buckets from its final checkpoint (the 256 → 512 recipe in small).",
            TinyLoop with { Steps = 300, InitFrom = "runs/t2i-tiny", WarmupSteps = 20, EvalEvery = 300 },
            new DitTrainConfig { Resolution = 256, MaxSamples = 256 }, Factory),
    ];
}
