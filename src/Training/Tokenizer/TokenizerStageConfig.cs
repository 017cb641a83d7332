using T2I.Core.VisualTokenizer;

namespace T2I.Training.Tokenizer;

/// <summary>
/// One tokenizer training stage. <see cref="Stage"/>: <c>encoder-pretrain</c> (tiny presets only: give the small
/// ViT semantics first, supervised on the synthetic shards' labels, since no DINOv2 weights are reachable),
/// <c>s1</c> latent alignment (encoder frozen), <c>s2</c> perceptual alignment (all train + w_sp·L_sp),
/// <c>s3</c> decoder refinement (decoder only).
/// </summary>
public sealed record TokenizerStageConfig
{
    public string Stage { get; init; } = "s1";
    public AlignedTokenizerConfig Tokenizer { get; init; } = AlignedTokenizerConfig.Tiny;
    public PatchDiscriminatorConfig Discriminator { get; init; } = PatchDiscriminatorConfig.Tiny;

    /// <summary>Bucketed shards (DataPrep output): a folder or s3://bucket/prefix.</summary>
    public string Data { get; init; } = "data/buckets";
    /// <summary>Base resolution of the shards to read (their res{N}/ folder).</summary>
    public int ShardResolution { get; init; } = 256;
    /// <summary>Base resolution images are trained at: each image is resized to the nearest bucket of this table.</summary>
    public int TrainResolution { get; init; } = 256;

    public const string LpipsPerceptual = PerceptualTerm.Lpips, ResNetPerceptual = PerceptualTerm.ResNet;

    /// <summary>
    /// The perceptual term: <c>lpips</c> (LPIPS-VGG, needs <see cref="LpipsWeights"/>) or <c>resnet18</c> (an uncalibrated
    /// LPIPS-style distance over the packaged ImageNet ResNet-18, see <c>ResNetPerceptualDistance</c>).
    /// </summary>
    public string Perceptual { get; init; } = LpipsPerceptual;

    /// <summary>LPIPS-VGG safetensors; without them w_p is 0 and the trainer says so.</summary>
    public string? LpipsWeights { get; init; }
    public double PerceptualWeight { get; init; } = 1.0;
    /// <summary>w_g, applied after the adaptive rescaling.</summary>
    public double GanWeight { get; init; } = 0.5;
    /// <summary>Stage step from which the GAN terms are on (paper: 5k in stage 1, from the start in 2 and 3).</summary>
    public long GanStartStep { get; init; }
    public double DiscriminatorLr { get; init; } = 1e-4;
    /// <summary>w_sp of stage 2 (paper: 1 ImageNet, 3 LAION); 0 reproduces the ablation where semantics collapse.</summary>
    public double SemanticWeight { get; init; }

    /// <summary>timm-layout DINOv2 safetensors to start the encoder from (stage 1 at paper scale).</summary>
    public string? EncoderWeights { get; init; }

    /// <summary>Label field of the synthetic shards used for pretraining and the linear probe.</summary>
    public string LabelField { get; init; } = "shape";
    public string[] LabelClasses { get; init; } = ["circle", "square", "triangle", "star", "hexagon", "ring", "cross", "diamond"];
    /// <summary>
    /// Labels the encoder pretraining is supervised on, one linear head each on the pooled patch tokens (null: only
    /// <see cref="LabelField"/>). The easy ones (colour, background, size) make the encoder find the object early,
    /// which shape recognition then builds on.
    /// </summary>
    public PretrainTarget[]? PretrainTargets { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public PretrainTarget[] Targets => PretrainTargets ?? [new PretrainTarget(LabelField, LabelClasses)];

    /// <summary>Label fields the evaluation probes besides <see cref="LabelField"/> (the synthetic shards carry shape,
    /// color, background, size, position).</summary>
    public string[] ProbeFields { get; init; } = ["color"];
    /// <summary>Batches of the evaluation set (a fixed slice read with its own seed).</summary>
    public int EvalBatches { get; init; } = 8;

    [System.Text.Json.Serialization.JsonIgnore]
    public TokenizerStage Kind => Stage switch
    {
        "encoder-pretrain" => TokenizerStage.EncoderPretrain,
        "s1" => TokenizerStage.LatentAlignment,
        "s2" => TokenizerStage.PerceptualAlignment,
        "s3" => TokenizerStage.DecoderRefinement,
        _ => throw new ArgumentException($"stage '{Stage}' is not one of encoder-pretrain, s1, s2, s3."),
    };
}

/// <summary>One supervised label field of the synthetic shards and its classes (values outside them are unlabelled).</summary>
public sealed record PretrainTarget(string Field, string[] Classes);

public enum TokenizerStage { EncoderPretrain, LatentAlignment, PerceptualAlignment, DecoderRefinement }
