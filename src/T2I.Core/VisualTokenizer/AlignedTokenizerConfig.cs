using System.Text.Json;
using System.Text.Json.Nodes;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// The whole tokenizer: encoder E_p, adapter A (width → <see cref="LatentChannels"/>), decoder D, at f = 16.
/// The encoder sees the image resized to (H/16·p, W/16·p) so its patch grid is the latent grid.
/// </summary>
public sealed record AlignedTokenizerConfig(
    VisionTransformerConfig Encoder,
    int AdapterHidden,
    int LatentChannels,
    DecoderConfig Decoder)
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

    public AlignedTokenizerConfig Validate()
    {
        Encoder.Validate();
        if (Decoder.LatentChannels != LatentChannels)
            throw new ArgumentException($"Decoder expects {Decoder.LatentChannels} latent channels, adapter makes {LatentChannels}.");
        if (Decoder.DownsamplingFactor != Downsampling)
            throw new ArgumentException($"Decoder upsamples ×{Decoder.DownsamplingFactor}; the tokenizer is f = {Downsampling}.");
        return this;
    }

    public long EncoderParameters => Encoder.ParameterCount();
    public long AdapterParameters => Adapter.ParameterCount(Encoder.Width, AdapterHidden, LatentChannels);
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
