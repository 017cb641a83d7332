using T2I.Core.VisualTokenizer;
using T2I.Core.VisualTokenizer.VfmVae;
using T2I.Training.Tokenizer;

namespace T2I.Training.VfmVae;

/// <summary>
/// Training settings of VFM-VAE (§3.4, Table 10): L1 at the image + w_ms·multi-resolution L1 at the smaller scales
/// (strong alignment only) + w_p·perceptual + λ_rep·(w_kl·KL + w_vf·λ·VF) + w_g·λ·GAN, where each λ is VA-VAE's
/// gradient-norm ratio. The paper's strong and weak alignment stages are one run: λ_rep switches from
/// <see cref="StrongRepWeight"/> to <see cref="WeakRepWeight"/> after <see cref="StrongAlignmentSteps"/>.
/// </summary>
public sealed record VfmVaeTrainConfig
{
    public VfmVaeConfig Vae { get; init; } = VfmVaeConfig.ResNetSmall;
    public PatchDiscriminatorConfig Discriminator { get; init; } = PatchDiscriminatorConfig.Tiny;

    /// <summary>Bucketed shards (DataPrep output): a folder or s3://bucket/prefix.</summary>
    public string Data { get; init; } = "data/buckets";
    public int ShardResolution { get; init; } = 256;
    public int TrainResolution { get; init; } = 256;

    public double KlWeight { get; init; } = 1e-6;
    /// <summary>VA-VAE's w_hyper on the VF loss (0.1), before the adaptive ratio.</summary>
    public double VfWeight { get; init; } = 0.1;
    public double StrongRepWeight { get; init; } = 5.0;
    public double WeakRepWeight { get; init; } = 1.0;
    public long StrongAlignmentSteps { get; init; }
    /// <summary>Weight of the smaller scales' L1 during strong alignment (Table 10: 0.1, then 0).</summary>
    public double MultiScaleWeight { get; init; } = 0.1;

    /// <summary>The perceptual term, as <see cref="TokenizerStageConfig.Perceptual"/>.</summary>
    public string Perceptual { get; init; } = PerceptualTerm.Lpips;
    public string? LpipsWeights { get; init; }
    public double PerceptualWeight { get; init; } = 1.0;
    public double GanWeight { get; init; } = 0.5;
    public long GanStartStep { get; init; }
    public double DiscriminatorLr { get; init; } = 1e-4;

    /// <summary>Label field and classes for the latent linear probe (as the other tokenizers' evaluation).</summary>
    public string LabelField { get; init; } = "shape";
    public string[] LabelClasses { get; init; } = ["circle", "square", "triangle", "star", "hexagon", "ring", "cross", "diamond"];
    public int EvalBatches { get; init; } = 8;

    internal TokenizerStageConfig BatchSettings => new()
    {
        Data = Data, ShardResolution = ShardResolution, TrainResolution = TrainResolution,
        LabelField = LabelField, LabelClasses = LabelClasses,
    };
}
