using System.Text.Json.Nodes;

namespace T2I.Core.Latents;

/// <summary>
/// What a codec folder describes (see <see cref="LatentCodecs.Describe"/>).
/// <para><see cref="Kind"/>: the <see cref="LatentCodecs.Open(LatentCodecSource, TorchSharp.torch.Device?)"/> switch key
/// (<c>dct</c>, <c>aligned</c>, …). <see cref="ModelConfig"/>: the kind's own config JSON (the codec's training
/// checkpoint's <c>model_config</c>, verbatim). <see cref="WeightsFile"/>: safetensors with the codec module's
/// state-dict names (null for weight-free codecs). <see cref="Identity"/>: kind + hash of the weights — what
/// latent caches are keyed on. <see cref="Folder"/>: where it was found.</para>
/// </summary>
public sealed record LatentCodecSource(string Kind, JsonNode? ModelConfig, string? WeightsFile, string Identity, string Folder);
