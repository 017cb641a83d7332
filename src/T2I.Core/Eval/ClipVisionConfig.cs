using System.Text.Json;
using System.Text.Json.Nodes;
using T2I.Core.Text;

namespace T2I.Core.Eval;

/// <summary>
/// CLIP vision tower shape, read from an HF <c>config.json</c> (the <c>vision_config</c> of <c>CLIPModel</c>, or a
/// <c>CLIPVisionModelWithProjection</c> config). Defaults are openai/clip-vit-large-patch14.
/// </summary>
public sealed record ClipVisionConfig(
    int HiddenSize = 1024,
    int IntermediateSize = 4096,
    int NumLayers = 24,
    int NumHeads = 16,
    int ImageSize = 224,
    int PatchSize = 14,
    int ProjectionDim = 768,
    double LayerNormEps = 1e-5)
{
    /// <summary>CLIP's RGB normalisation (OpenAI's preprocessing constants).</summary>
    public static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];
    public static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    public int GridSize => ImageSize / PatchSize;

    /// <summary>The encoder-layer shape in the text tower's config type, so both towers share <see cref="ClipEncoderLayer"/>.</summary>
    public ClipTextConfig LayerShape => new(HiddenSize: HiddenSize, IntermediateSize: IntermediateSize, NumLayers: NumLayers,
        NumHeads: NumHeads, LayerNormEps: LayerNormEps);

    public static ClipVisionConfig FromHfJson(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"'{path}' is empty.");
        var json = root["vision_config"] ?? root;
        string act = json["hidden_act"]?.GetValue<string>() ?? "quick_gelu";
        if (act != "quick_gelu") throw new NotSupportedException($"CLIP hidden_act '{act}' is not supported (quick_gelu only).");
        int Int(string key, int fallback) => json[key]?.GetValue<int>() ?? fallback;
        int projection = root["projection_dim"]?.GetValue<int>() ?? Int("projection_dim", 768);
        return new ClipVisionConfig(Int("hidden_size", 1024), Int("intermediate_size", 4096), Int("num_hidden_layers", 24),
            Int("num_attention_heads", 16), Int("image_size", 224), Int("patch_size", 14), projection,
            json["layer_norm_eps"]?.GetValue<double>() ?? 1e-5);
    }

    public JsonObject ToHfJson() => new()
    {
        ["model_type"] = "clip_vision_model", ["hidden_act"] = "quick_gelu", ["hidden_size"] = HiddenSize,
        ["intermediate_size"] = IntermediateSize, ["num_hidden_layers"] = NumLayers, ["num_attention_heads"] = NumHeads,
        ["image_size"] = ImageSize, ["patch_size"] = PatchSize, ["projection_dim"] = ProjectionDim, ["layer_norm_eps"] = LayerNormEps,
    };
}
