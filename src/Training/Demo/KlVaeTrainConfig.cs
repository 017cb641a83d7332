using T2I.Core.VisualTokenizer;
using T2I.Core.VisualTokenizer.Baseline;
using T2I.Training.Tokenizer;

namespace T2I.Training.Demo;

/// <summary>
/// Training settings of the KL-VAE baseline. Everything but the KL term matches the aligned tokenizer's stage 1:
/// L1 + w_p·LPIPS (when weights are given) + w_g·λ·GAN (adaptive weight at the decoder's last layer, hinge PatchGAN)
/// from <see cref="GanStartStep"/>, the same shards resized to the same training buckets.
/// </summary>
public sealed record KlVaeTrainConfig
{
    public KlVaeConfig Vae { get; init; } = KlVaeConfig.Tiny;
    public PatchDiscriminatorConfig Discriminator { get; init; } = PatchDiscriminatorConfig.Tiny;

    /// <summary>Bucketed shards (DataPrep output), a folder.</summary>
    public string Data { get; init; } = "data/buckets";
    public int ShardResolution { get; init; } = 256;
    public int TrainResolution { get; init; } = 256;

    /// <summary>
    /// w_kl as in LDM (1e-6). LDM sums the reconstruction loss over pixels and the KL over latent elements, per
    /// image; our L1 is a pixel mean, so the per-image KL sum is divided by the pixel count (3·H·W) to keep LDM's balance.
    /// </summary>
    public double KlWeight { get; init; } = 1e-6;

    /// <summary>The perceptual term, as <see cref="TokenizerStageConfig.Perceptual"/>.</summary>
    public string Perceptual { get; init; } = PerceptualTerm.Lpips;
    public string? LpipsWeights { get; init; }
    public double PerceptualWeight { get; init; } = 1.0;
    public double GanWeight { get; init; } = 0.5;
    public long GanStartStep { get; init; }
    public double DiscriminatorLr { get; init; } = 1e-4;

    /// <summary>Label field and classes for the latent linear probe (same as the aligned tokenizer's evaluation).</summary>
    public string LabelField { get; init; } = "shape";
    public string[] LabelClasses { get; init; } = ["circle", "square", "triangle", "star", "hexagon", "ring", "cross", "diamond"];
    public int EvalBatches { get; init; } = 8;

    /// <summary>The tokenizer's batch decoding settings for the same data (one decoder of shard rows, not two).</summary>
    internal TokenizerStageConfig BatchSettings => new()
    {
        Data = Data, ShardResolution = ShardResolution, TrainResolution = TrainResolution,
        LabelField = LabelField, LabelClasses = LabelClasses,
    };
}
