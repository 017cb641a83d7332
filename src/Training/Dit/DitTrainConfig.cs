using T2I.Core.Text;

namespace T2I.Training.Dit;

/// <summary>
/// The DiT stage's own settings (the shared ones — steps, batch, lr, EMA… — are the preset's LoopSettings).
/// Command-line keys are snake_case: <c>--set dit_size=small --set data=data/buckets --set latents=runs/tok-tiny-s3</c>.
/// </summary>
public sealed record DitTrainConfig
{
    /// <summary><c>2b</c> (paper), <c>small</c> or <c>tiny</c> (CPU); see DitConfig.</summary>
    public string DitSize { get; init; } = "tiny";
    /// <summary>
    /// <c>builtin</c> (trained jointly, o200k vocabulary), <c>t5+clip</c> (frozen, FLUX's pair) or <c>minilm-l6</c> (frozen
    /// all-MiniLM-L6-v2 from its NuGet package: token states as the sequence, the sentence embedding as the pooled vector).
    /// </summary>
    public string TextEncoder { get; init; } = "builtin";
    /// <summary>A frozen encoder's outputs kept for this many distinct captions (0 = encode every batch afresh).</summary>
    public int TextCache { get; init; }
    public BuiltinTextConfig BuiltinText { get; init; } = BuiltinTextConfig.Tiny;
    /// <summary>Largest built-in vocabulary (ids seen in the captions, most frequent first).</summary>
    public int VocabularySize { get; init; } = 4096;
    /// <summary>HF folders for <c>t5+clip</c> (config.json + safetensors + tokenizer files).</summary>
    public string T5Path { get; init; } = "weights/t5-v1_1-xxl";
    public string ClipPath { get; init; } = "weights/clip-vit-large-patch14";
    /// <summary>
    /// Most T5 tokens a caption keeps with <c>t5+clip</c> (the built-in encoder's cap is its <c>max_tokens</c>). See
    /// <see cref="TextTokenCap"/>: the one text-length rule of the runtime and the dry-run.
    /// </summary>
    public int MaxTextTokens { get; init; } = 128;
    /// <summary>
    /// Text tokens per sample: a batch pads to its longest caption, truncated here. The dry-run counts FLOPs and memory
    /// at this cap (the worst case); a training step reports its FLOPs at the length it really padded to.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int TextTokenCap => TextEncoder switch
    {
        "builtin" => BuiltinText.MaxTokens,
        T2I.Core.Pretrained.MiniLm.MiniLmTextEncoder.EncoderName => T2I.Core.Pretrained.MiniLm.MiniLmTextEncoder.MaxTokens,
        _ => MaxTextTokens,
    };
    /// <summary>Base resolution the DiT trains at: each image is resized to the nearest bucket of this table.</summary>
    public int Resolution { get; init; } = 128;
    /// <summary>DataPrep's bucketed shards (<c>dataprep synth</c> + <c>dataprep ingest</c>): a folder holding res{N}/.</summary>
    public string Data { get; init; } = "data/buckets";
    /// <summary>Which res{N}/ table of the shards to read.</summary>
    public int ShardResolution { get; init; } = 256;
    /// <summary>Use at most this many rows (0 = all).</summary>
    public int MaxSamples { get; init; }
    /// <summary>
    /// Keep only rows whose caption holds this word (case-insensitive, whole word; empty = all), e.g. <c>large</c>: a
    /// small synthetic object spans about two 16-px latent cells at 128 px, too few to carry its shape.
    /// </summary>
    public string CaptionWord { get; init; } = "";
    /// <summary>
    /// Where <see cref="Data"/> is encoded to latent shards (a folder per data + settings + codec); empty = the run's
    /// latent-cache/. Runs may share one.
    /// </summary>
    public string CacheDir { get; init; } = "";
    /// <summary>
    /// Latent shards written by <c>training encode-latents</c> (local or s3://) to train on instead of encoding
    /// <see cref="Data"/>; their codec must be <see cref="Latents"/>.
    /// </summary>
    public string LatentShards { get; init; } = "";
    /// <summary>
    /// How the latents <see cref="Data"/> is encoded to are stored in <see cref="CacheDir"/>: <c>float32</c>, <c>bfloat16</c> or
    /// <c>float16</c> (half the bytes; rounded before statistics, widened exactly when read). Latent shards say their own.
    /// </summary>
    public string LatentDtype { get; init; } = LatentStorage.Float32;
    /// <summary>
    /// The latent codec: a tokenizer checkpoint/run/exported folder (see T2I.Core.Inference.LatentCodecs) or <c>dct</c>
    /// (the fixed weight-free codec, f16 d32, for tests). The DiT's in_channels follow the codec.
    /// </summary>
    public string Latents { get; init; } = "runs/tok-tiny-s3";
    /// <summary>
    /// <c>fp32</c>, or <c>bf16</c>: the DiT's matmuls compute in bf16 from fp32 master weights (T2I.Core.TorchSharpFixes.Autocast — what
    /// torch.autocast does for linears); gradients, AdamW, EMA and the loss stay fp32. The built-in text encoder trains in
    /// fp32; frozen t5+clip runs in bf16 on CUDA and fp32 on the CPU, whatever this says (FluxTextEncoder.PlaceFrozen).
    /// </summary>
    public string Precision { get; init; } = "fp32";
    /// <summary>
    /// Latent scaling: <c>channel</c> (each channel to unit std) or <c>global</c> (per-channel mean, one std for all
    /// channels, so a codec's weak channels stay weak relative to its strong ones) or <c>none</c> (the codec's own scale;
    /// for the DCT codec that is σ ≈ 0.2 against unit noise, so most of the schedule is spent on coarse layout).
    /// </summary>
    public string LatentNorm { get; init; } = "channel";
    /// <summary>Recompute DiT block activations in backward (less memory, ~1 extra forward per step).</summary>
    public bool GradientCheckpointing { get; init; }
    /// <summary>
    /// Gradient accumulation: each step's <c>batch_size</c> samples go through forward/backward in this many micro-batches
    /// of batch_size / N (N must divide it); the optimizer steps once. 0 = choose from <see cref="DeviceMemory"/> (1 without).
    /// </summary>
    public int GradAccum { get; init; }
    /// <summary>
    /// Memory of the training device, e.g. <c>80GiB</c> (empty = not stated): with grad_accum 0, the micro-batch and
    /// activation checkpointing are chosen to fit it (DitMemoryPlan.Choose; the dry-run prints the choice).
    /// </summary>
    public string DeviceMemory { get; init; } = "";
    /// <summary>Probability of training on the empty caption (what CFG's unconditional branch needs).</summary>
    public double CaptionDropout { get; init; } = 0.1;
    /// <summary>
    /// Probability of training on the row's short label caption ("a red circle", from its labels json) instead of its
    /// full caption: the prompts people type (and gen-accuracy asks) name neither size nor background, and a model that
    /// only ever saw full captions paints such a prompt's colour over the whole image under CFG.
    /// </summary>
    public double ShortCaptionRate { get; init; }
    /// <summary>
    /// Fixed time-shift factor s (SD3's shift: t' = s·t / (1 + (s − 1)·t)) for training times and the sampling grid,
    /// recorded in the checkpoint; 0 = FLUX's token-count rule (≈ 1.6 at 64 tokens). Larger s trains more at high
    /// noise, where a prompt's layout and shape are decided.
    /// </summary>
    public double TimeShift { get; init; }
    /// <summary><see cref="TimeShift"/> when set, else null (the token-count rule): what the checkpoint and sampling use.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public double? FixedTimeShift => TimeShift > 0 ? TimeShift : null;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.95;
    /// <summary>
    /// Judge of generation accuracy: a T2I.Core.Eval.SyntheticAttributeClassifier folder. Empty: one is trained on
    /// the data's labels at the first start and kept in the run folder (eval-classifier/).
    /// </summary>
    public string EvalClassifier { get; init; } = "";
    /// <summary>Evaluation prompts: captions of this many rows with distinct (colour, shape) labels, one image each.</summary>
    public int EvalPrompts { get; init; } = 32;
    /// <summary>Sampler steps and CFG scale of the evaluation generations.</summary>
    public int EvalSteps { get; init; } = 20;
    public double EvalGuidance { get; init; } = 5.0;
}
