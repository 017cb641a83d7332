using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// The whole tokenizer: encoder E_p, adapter A (width → <see cref="LatentChannels"/>), decoder D, at f = 16.
/// E_p is a ViT (<see cref="Encoder"/>, DINOv2 in the paper) or ImageNet ResNet-18 (<see cref="ResNet"/>); exactly one
/// is set. It sees the image resized to (H/16·s, W/16·s), s its stride, so its feature grid is the latent grid.
/// </summary>
public sealed record AlignedTokenizerConfig(
    VisionTransformerConfig? Encoder,
    int AdapterHidden,
    int LatentChannels,
    DecoderConfig Decoder,
    ResNetEncoderConfig? ResNet = null)
{
    public const int Downsampling = 16;

    /// <summary>The paper's LAION tokenizer: DINOv2 ViT-L/14 reg4 → 2-layer MLP → d = 32 → VA-VAE decoder.</summary>
    public static AlignedTokenizerConfig Paper { get; } =
        new(VisionTransformerConfig.LargeReg4Dinov2, 1024, 32, DecoderConfig.Paper(32));

    /// <summary>The paper's ImageNet tokenizer (DINOv2 ViT-L/14 without registers).</summary>
    public static AlignedTokenizerConfig PaperImageNet { get; } =
        new(VisionTransformerConfig.LargeDinov2, 1024, 32, DecoderConfig.Paper(32));

    /// <summary>Same code at CPU size, d = 32 like the paper (the demo DiT trains on these latents).</summary>
    public static AlignedTokenizerConfig Tiny { get; } =
        new(VisionTransformerConfig.Tiny, 96, 32, DecoderConfig.Tiny(32));

    /// <summary>The emoji tokenizer: ImageNet ResNet-18 to layer3 (f16, 256 channels) → MLP → d = 32 → a small decoder.</summary>
    public static AlignedTokenizerConfig ResNetSmall { get; } =
        new(null, 256, 32, DecoderConfig.Tiny(32), new ResNetEncoderConfig(Stage: 3));

    [JsonIgnore] public int EncoderWidth => ResNet?.Width ?? Vit.Width;
    [JsonIgnore] public int EncoderStride => ResNet?.Stride ?? Vit.PatchSize;

    public long EncoderForwardFlops(int h, int w) => ResNet?.ForwardFlops(h, w) ?? Vit.ForwardFlops(h, w);

    /// <summary>The ViT encoder's config; a ResNet tokenizer has none.</summary>
    [JsonIgnore]
    public VisionTransformerConfig Vit =>
        Encoder ?? throw new InvalidOperationException("This tokenizer's encoder is a ResNet, not a ViT.");

    public AlignedTokenizerConfig Validate()
    {
        if ((Encoder is null) == (ResNet is null))
            throw new ArgumentException("A tokenizer config names exactly one encoder: 'encoder' (ViT) or 'res_net' (ResNet-18).");
        Encoder?.Validate();
        ResNet?.Validate();
        if (Decoder.LatentChannels != LatentChannels)
            throw new ArgumentException($"Decoder expects {Decoder.LatentChannels} latent channels, adapter makes {LatentChannels}.");
        if (Decoder.DownsamplingFactor != Downsampling)
            throw new ArgumentException($"Decoder upsamples ×{Decoder.DownsamplingFactor}; the tokenizer is f = {Downsampling}.");
        return this;
    }

    public long EncoderParameters => Encoder?.ParameterCount() ?? ResNet!.ParameterCount();
    public long AdapterParameters => Adapter.ParameterCount(EncoderWidth, AdapterHidden, LatentChannels);
    public long DecoderParameters => Decoder.ParameterCount();
    public long TotalParameters => EncoderParameters + AdapterParameters + DecoderParameters;

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static AlignedTokenizerConfig FromJson(string json) =>
        (JsonSerializer.Deserialize<AlignedTokenizerConfig>(json, JsonOptions)
         ?? throw new InvalidDataException("Tokenizer config JSON is empty.")).Validate();

    /// <summary>The latent-codec kind checkpoints record for an aligned tokenizer (model_config.kind).</summary>
    public const string CodecKind = "aligned";

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true, PropertyNameCaseInsensitive = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>Another codec's config (e.g. a KL-VAE run given to <c>training eval</c>) is refused by its kind,
    /// not left to fail deep inside validation on a field it lacks.</summary>
    public static AlignedTokenizerConfig FromJson(JsonNode node) =>
        node["kind"]?.GetValue<string>() is { } kind && kind != CodecKind
            ? throw new InvalidDataException($"This checkpoint holds a '{kind}' model, not an aligned tokenizer.")
            : FromJson(node.ToJsonString());
}
