using System.Text.Json;
using System.Text.Json.Nodes;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>
/// VFM-VAE (paper B, §3 and Table 9): a frozen vision foundation model Φ read at several depths, an attention
/// projection C to a Gaussian latent of <see cref="LatentChannels"/> channels at stride <see cref="Downsampling"/>, and
/// a multi-scale decoder of modulated ConvNeXt blocks, one block per octave from half the latent grid to the image
/// (<see cref="BlockChannels"/>: 6 blocks for f = 16, as the paper's 8…256 px for a 16×16 latent). The first
/// <see cref="MappedDims"/>.Length blocks also receive the spatial latent at their resolution (the paper's 4);
/// self-attention follows the first <see cref="AttentionBlocks"/> blocks.
/// </summary>
public sealed record VfmVaeConfig
{
    public const string KindName = "vfm-vae";

    public string Kind => KindName;
    public VfmConfig Vfm { get; init; } = VfmConfig.ResNet18Stages;
    /// <summary>Per VFM layer, the 1×1 projection's width before the features are shuffled to the latent grid ("out dims").</summary>
    public int[] FeatureDims { get; init; } = [16, 32, 64];
    public int LatentChannels { get; init; } = 32;
    public int Downsampling { get; init; } = 16;
    public int ProjectionHeads { get; init; } = 4;
    /// <summary>Width the decoder-side attention projection expands z to ("decompress dim").</summary>
    public int DecompressDim { get; init; } = 256;
    public int StyleDim { get; init; } = 128;
    public int[] BlockChannels { get; init; } = [128, 128, 64, 64, 32, 32];
    /// <summary>Channels of the spatial latent given to each of the first blocks ("mapped dims").</summary>
    public int[] MappedDims { get; init; } = [128, 64, 32, 32];
    public int AttentionBlocks { get; init; } = 3;
    public int NormGroups { get; init; } = 8;

    /// <summary>CPU scale on the packaged ImageNet ResNet-18 (stages 1–3 at strides 4, 8, 16): 64 px → 4×4×32.</summary>
    public static VfmVaeConfig ResNetSmall { get; } = new();

    /// <summary>
    /// Paper scale (Table 9): SigLIP2-Large/16 at 512 px, hidden states 0, 12 and last (32×32, 1024-d) each projected to
    /// 64, shuffled to the 16×16 latent of 32 channels; decompress 512; blocks at 8…256 px for 256-px training crops.
    /// </summary>
    public static VfmVaeConfig SigLip2Paper { get; } = new()
    {
        Vfm = VfmConfig.SigLip2Large, FeatureDims = [64, 64, 64], LatentChannels = 32, Downsampling = 16, ProjectionHeads = 8,
        DecompressDim = 512, StyleDim = 512, BlockChannels = [512, 512, 256, 128, 128, 64], MappedDims = [512, 256, 128, 128],
        AttentionBlocks = 3, NormGroups = 32,
    };

    /// <summary>Block i works at latent_side · 2^i / 2.</summary>
    public int BlockCount => BlockChannels.Length;

    public VfmVaeConfig Validate()
    {
        int octaves = (int)Math.Round(Math.Log2(Downsampling));
        if (1 << octaves != Downsampling) throw new ArgumentException($"downsampling {Downsampling} is not a power of two.");
        if (BlockChannels.Length != octaves + 2)
            throw new ArgumentException($"block_channels needs {octaves + 2} entries for f = {Downsampling} (half the latent grid up " +
                $"to the image), got {BlockChannels.Length}.");
        if (MappedDims.Length is < 1 || MappedDims.Length > Math.Min(4, BlockChannels.Length))
            throw new ArgumentException("mapped_dims feeds the spatial latent to the first 1–4 blocks.");
        if (DecompressDim % 16 != 0) throw new ArgumentException("decompress_dim must be a multiple of 16 (it is pixel-shuffled by 4).");
        if (FeatureDims.Length != Vfm.Layers.Length)
            throw new ArgumentException($"feature_dims has {FeatureDims.Length} entries for {Vfm.Layers.Length} VFM layers.");
        if (BlockChannels.Any(c => c % NormGroups != 0)) throw new ArgumentException($"block channels must divide by {NormGroups} groups.");
        return this;
    }

    public static JsonSerializerOptions JsonOptions => AlignedTokenizerConfig.JsonOptions;

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static VfmVaeConfig FromJson(JsonNode node)
    {
        if (node["kind"]?.GetValue<string>() is { } kind && kind != KindName)
            throw new InvalidDataException($"model_config kind '{kind}' is not a {KindName}.");
        return (node.Deserialize<VfmVaeConfig>(JsonOptions) ?? throw new InvalidDataException("VFM-VAE config JSON is empty.")).Validate();
    }
}
