namespace T2I.Training.Demo;

/// <summary>
/// What <c>training demo</c> builds and how big. Stage step counts override the tiny presets' (null keeps the preset);
/// <see cref="TokenizerSets"/> / <see cref="DitSets"/> are extra <c>--set</c> overrides for those stages.
/// </summary>
public sealed record DemoChainOptions
{
    public const string Synthetic = "synth", Emoji = "emoji";

    /// <summary>
    /// <c>synth</c>: coloured shapes drawn by <c>dataprep synth</c>, a ViT encoder pretrained here, the built-in text encoder
    /// (models/t2i-demo). <c>emoji</c>: the real emoji of the npm packages, the packaged ImageNet ResNet-18 as the
    /// encoder (no pretraining stage) and the packaged MiniLM as the text encoder (models/t2i-emoji).
    /// </summary>
    public string Recipe { get; init; } = Synthetic;

    /// <summary>Work folder: raw/ (synth), buckets/ (ingest), runs/&lt;stage&gt;/, timings.json.</summary>
    public string WorkDir { get; init; } = "runs/demo";
    /// <summary>Exported model folder (loadable by T2IPipeline.FromCheckpoint and the web app's T2I:Model).</summary>
    public string ModelDir { get; init; } = "models/t2i-demo";
    public string Device { get; init; } = "auto";

    // The data the shipped demo model and the aligned-vs-KL-VAE comparison were measured on (README).
    public int Count { get; init; } = 6000;
    public int Shards { get; init; } = 8;
    public int Seed { get; init; } = 7;
    public double DefectShare { get; init; }
    /// <summary>The narrowed synthetic vocabulary a tiny DiT can learn on CPU (see <c>dataprep synth --shapes</c>).</summary>
    public string Shapes { get; init; } = "circle,square,triangle";
    public string Colors { get; init; } = "red,green,blue,yellow";
    public string Backgrounds { get; init; } = "white,gray,blue";

    /// <summary>Emoji recipe: only the first N concepts (emojibase order; null = all 1,911), for a quick run.</summary>
    public int? MaxConcepts { get; init; }

    public long? PretrainSteps { get; init; }
    public long? S1Steps { get; init; }
    public long? S2Steps { get; init; }
    public long? S3Steps { get; init; }
    public long? DitSteps { get; init; }
    public IReadOnlyList<string> TokenizerSets { get; init; } = [];
    public IReadOnlyList<string> DitSets { get; init; } = [];
    /// <summary>Attribute classifier that judges the DiT's generations; when the folder is missing the DiT trains its
    /// own on the demo data.</summary>
    public string Judge { get; init; } = "models/judge-synth";

    /// <summary>Largest exported model the issue allows (tokenizer + text encoder + DiT, EMA weights).</summary>
    public long MaxModelBytes { get; init; } = 20L * 1024 * 1024;

    public bool IsEmoji => Recipe == Emoji;
    public IReadOnlyList<string> TokenizerStages => IsEmoji ? ["s1", "s2", "s3"] : ["pretrain", "s1", "s2", "s3"];
    public string TokenizerPreset(string stage) => (IsEmoji ? "tok-emoji-" : "tok-tiny-") + stage;
    public string DitPreset => IsEmoji ? "t2i-emoji" : "t2i-tiny-aligned";
    /// <summary>Emoji at their packages' own 64 px (the Noto and Twemoji sets are drawn at 64); the shapes at 256.</summary>
    public int IngestResolution => IsEmoji ? 64 : 256;

    public DemoChainOptions Validated() => Recipe is Synthetic or Emoji ? this
        : throw new ArgumentException($"recipe '{Recipe}' is not one of: {Synthetic}, {Emoji}.");

    public string RawDir => Path.Combine(WorkDir, "raw");
    public string BucketsDir => Path.Combine(WorkDir, "buckets");
    public string RunDir(string stage) => Path.Combine(WorkDir, "runs", stage);
}
