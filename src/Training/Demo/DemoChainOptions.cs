namespace T2I.Training.Demo;

/// <summary>
/// What <c>training demo</c> builds and how big. Stage step counts override the tiny presets' (null keeps the preset);
/// <see cref="TokenizerSets"/> / <see cref="DitSets"/> are extra <c>--set</c> overrides for those stages.
/// </summary>
public sealed record DemoChainOptions
{
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

    public string RawDir => Path.Combine(WorkDir, "raw");
    public string BucketsDir => Path.Combine(WorkDir, "buckets");
    public string RunDir(string stage) => Path.Combine(WorkDir, "runs", stage);
}
