using System.Text.Json.Nodes;
using T2I.Core.Text;

namespace T2I.Core.Pretrained.SigLip;

/// <summary>
/// Shape of a SigLIP / SigLIP2 (fixed-resolution) vision tower as HF <c>config.json</c> gives it (<c>vision_config</c> of
/// <c>SiglipModel</c>, or a <c>SiglipVisionModel</c> config). Activation gelu (tanh approximation), LayerNorm eps 1e-6.
/// </summary>
public sealed record SigLipVisionConfig(
    int HiddenSize = 1024,
    int IntermediateSize = 4096,
    int NumLayers = 24,
    int NumHeads = 16,
    int ImageSize = 512,
    int PatchSize = 16,
    double LayerNormEps = 1e-6)
{
    /// <summary>google/siglip2-large-patch16-512.</summary>
    public static SigLipVisionConfig Large16At512 { get; } = new();

    public int GridSize => ImageSize / PatchSize;

    /// <summary>The layer shape in the CLIP config type, so SigLIP's attention is <see cref="ClipAttention"/> (same keys).</summary>
    public ClipTextConfig LayerShape => new(HiddenSize: HiddenSize, IntermediateSize: IntermediateSize, NumLayers: NumLayers,
        NumHeads: NumHeads, LayerNormEps: LayerNormEps);

    public static SigLipVisionConfig FromHfFolder(string folder) => FromHfJson(Path.Combine(folder, "config.json"));

    public static SigLipVisionConfig FromHfJson(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"SigLIP config '{path}' not found.", path);
        var root = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"'{path}' is empty.");
        var json = root["vision_config"] ?? root;
        string act = json["hidden_act"]?.GetValue<string>() ?? "gelu_pytorch_tanh";
        if (act is not ("gelu_pytorch_tanh" or "gelu_new"))
            throw new NotSupportedException($"SigLIP hidden_act '{act}' is not supported (gelu_pytorch_tanh).");
        if (json["num_patches"] is not null)
            throw new NotSupportedException($"'{path}' is a NaFlex SigLIP2 (num_patches); use a fixed-resolution checkpoint.");
        int Int(string key, int fallback) => json[key]?.GetValue<int>() ?? fallback;
        return new SigLipVisionConfig(Int("hidden_size", 768), Int("intermediate_size", 3072), Int("num_hidden_layers", 12),
            Int("num_attention_heads", 12), Int("image_size", 224), Int("patch_size", 16),
            json["layer_norm_eps"]?.GetValue<double>() ?? 1e-6);
    }

    public JsonObject ToHfJson() => new()
    {
        ["model_type"] = "siglip_vision_model", ["hidden_act"] = "gelu_pytorch_tanh", ["hidden_size"] = HiddenSize,
        ["intermediate_size"] = IntermediateSize, ["num_hidden_layers"] = NumLayers, ["num_attention_heads"] = NumHeads,
        ["image_size"] = ImageSize, ["patch_size"] = PatchSize, ["layer_norm_eps"] = LayerNormEps,
    };
}
