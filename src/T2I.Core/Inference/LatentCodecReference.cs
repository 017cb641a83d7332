using System.Text.Json.Nodes;
using T2I.Core.Latents;

namespace T2I.Core.Inference;

/// <summary>
/// The codec a T2I checkpoint was trained on (<c>model_config.codec</c>): its kind, identity and source folder,
/// the kind's own config (its weights are bundled as <c>codec.safetensors</c> beside it) and the per-channel
/// statistics the DiT's latents are normalised with.
/// </summary>
public sealed record LatentCodecReference(string Kind, string Identity, string Source, JsonNode? ModelConfig,
    int LatentChannels, int Downsample, float[] Mean, float[] Std)
{
    public LatentNormalization Normalization => new(Mean, Std);

    public static LatentCodecReference From(LatentCodecSource source, ILatentCodec codec, LatentNormalization stats) =>
        new(source.Kind, source.Identity, source.Folder, source.ModelConfig?.DeepClone(), codec.LatentChannels, codec.Downsample,
            stats.Mean, stats.Std);
}
