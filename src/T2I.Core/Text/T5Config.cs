using System.Text.Json;
using System.Text.Json.Nodes;

namespace T2I.Core.Text;

/// <summary>T5 v1.1 encoder shape, read from an HF <c>config.json</c> (gated-GELU feed-forward, RMS layer norm).</summary>
public sealed record T5Config(
    int VocabSize = 32128,
    int DModel = 4096,
    int DKv = 64,
    int DFf = 10240,
    int NumLayers = 24,
    int NumHeads = 64,
    int RelativeAttentionNumBuckets = 32,
    int RelativeAttentionMaxDistance = 128,
    double LayerNormEpsilon = 1e-6,
    int MaxLength = 512)
{
    /// <summary>google/t5-v1_1-xxl, FLUX's sequence encoder.</summary>
    public static T5Config V11Xxl { get; } = new();

    public static T5Config FromHfJson(string path)
    {
        var json = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"'{path}' is empty.");
        string ff = json["feed_forward_proj"]?.GetValue<string>() ?? "gated-gelu";
        if (ff != "gated-gelu")
            throw new NotSupportedException($"T5 feed_forward_proj '{ff}' is not supported (T5 v1.1 uses gated-gelu).");
        int Int(string key, int fallback) => json[key]?.GetValue<int>() ?? fallback;
        return new T5Config(
            Int("vocab_size", 32128), Int("d_model", 4096), Int("d_kv", 64), Int("d_ff", 10240), Int("num_layers", 24),
            Int("num_heads", 64), Int("relative_attention_num_buckets", 32), Int("relative_attention_max_distance", 128),
            json["layer_norm_epsilon"]?.GetValue<double>() ?? 1e-6);
    }

    public string ToHfJson() => new JsonObject
    {
        ["model_type"] = "t5", ["feed_forward_proj"] = "gated-gelu", ["vocab_size"] = VocabSize, ["d_model"] = DModel,
        ["d_kv"] = DKv, ["d_ff"] = DFf, ["num_layers"] = NumLayers, ["num_heads"] = NumHeads,
        ["relative_attention_num_buckets"] = RelativeAttentionNumBuckets,
        ["relative_attention_max_distance"] = RelativeAttentionMaxDistance, ["layer_norm_epsilon"] = LayerNormEpsilon,
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
