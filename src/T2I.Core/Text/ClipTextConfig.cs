using System.Text.Json;
using System.Text.Json.Nodes;

namespace T2I.Core.Text;

/// <summary>CLIP text tower shape, read from an HF <c>config.json</c> (CLIPTextModel or the text_config of CLIPModel).</summary>
public sealed record ClipTextConfig(
    int VocabSize = 49408,
    int HiddenSize = 768,
    int IntermediateSize = 3072,
    int NumLayers = 12,
    int NumHeads = 12,
    int MaxPositions = 77,
    int BosTokenId = 49406,
    int EosTokenId = 49407,
    double LayerNormEps = 1e-5)
{
    /// <summary>openai/clip-vit-large-patch14's text tower, FLUX's pooled encoder.</summary>
    public static ClipTextConfig VitL14 { get; } = new();

    public static ClipTextConfig FromHfJson(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"'{path}' is empty.");
        var json = root["text_config"] ?? root;
        string act = json["hidden_act"]?.GetValue<string>() ?? "quick_gelu";
        if (act != "quick_gelu") throw new NotSupportedException($"CLIP hidden_act '{act}' is not supported (quick_gelu only).");
        int Int(string key, int fallback) => json[key]?.GetValue<int>() ?? fallback;
        return new ClipTextConfig(Int("vocab_size", 49408), Int("hidden_size", 768), Int("intermediate_size", 3072),
            Int("num_hidden_layers", 12), Int("num_attention_heads", 12), Int("max_position_embeddings", 77),
            Int("bos_token_id", 49406), Int("eos_token_id", 49407), json["layer_norm_eps"]?.GetValue<double>() ?? 1e-5);
    }

    public string ToHfJson() => new JsonObject
    {
        ["model_type"] = "clip_text_model", ["hidden_act"] = "quick_gelu", ["vocab_size"] = VocabSize,
        ["hidden_size"] = HiddenSize, ["intermediate_size"] = IntermediateSize, ["num_hidden_layers"] = NumLayers,
        ["num_attention_heads"] = NumHeads, ["max_position_embeddings"] = MaxPositions, ["bos_token_id"] = BosTokenId,
        ["eos_token_id"] = EosTokenId, ["layer_norm_eps"] = LayerNormEps,
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
