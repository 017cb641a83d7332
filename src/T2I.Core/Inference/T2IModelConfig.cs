using System.Text.Json;
using System.Text.Json.Nodes;
using T2I.Core.Dit;
using T2I.Core.Text;

namespace T2I.Core.Inference;

/// <summary>
/// What rebuilds a trained <see cref="T2IModel"/>: written by the DiT trainer as the checkpoint's
/// <c>model_config</c> (snake_case JSON in config.json), read back by <see cref="T2IModel.LoadCheckpoint"/> and
/// <see cref="T2IPipeline.FromCheckpoint"/>. <see cref="Codec"/> null: an early checkpoint on raw DCT latents.
/// <see cref="BaseResolution"/>: the side the run trained at, so a model folder needs no preset.json to generate at
/// its own size (null in checkpoints written before it was recorded). <see cref="TimeShift"/>: the fixed time-shift
/// factor the run trained with, which sampling must use too (null: the token-count rule). <see cref="TextWeights"/>: for
/// <c>t5+clip</c>, the frozen encoders' folders (see <see cref="TextEncoderWeights"/>; null for the built-in encoder, whose
/// weights are in model.safetensors).
/// </summary>
public sealed record T2IModelConfig(DitConfig Dit, BuiltinTextConfig BuiltinText, string TextEncoder = "builtin",
    LatentCodecReference? Codec = null,
    int? BaseResolution = null, double? TimeShift = null, TextEncoderWeights? TextWeights = null)
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static T2IModelConfig FromJson(JsonNode node, string source) =>
        node.Deserialize<T2IModelConfig>(Json) ?? throw new InvalidDataException($"{source}: empty model_config.");
}
