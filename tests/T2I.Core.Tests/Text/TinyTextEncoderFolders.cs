using T2I.Core.Checkpoints;
using T2I.Core.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Text;

/// <summary>
/// Tiny but real HF folders (config.json, tokenizer files, model.safetensors under upstream keys, seeded random weights) for
/// T5 v1.1 and CLIP's text tower; the encoder tests check the loaders against references on them, other test projects link
/// this file to train and serve with <c>t5+clip</c>.
/// </summary>
internal static class TinyTextEncoderFolders
{
    public static readonly T5Config T5 = new(VocabSize: 15, DModel: 16, DKv: 4, DFf: 24, NumLayers: 2, NumHeads: 2,
        RelativeAttentionNumBuckets: 8, RelativeAttentionMaxDistance: 16);
    public static readonly ClipTextConfig Clip = new(VocabSize: 35, HiddenSize: 16, IntermediateSize: 32, NumLayers: 2,
        NumHeads: 2, MaxPositions: 8, BosTokenId: 0, EosTokenId: 1);

    public static Dictionary<string, Tensor> WriteT5(string dir, string? drop = null)
    {
        var g = new Generator(42);
        var w = new Dictionary<string, Tensor>();
        void Add(string key, params long[] shape) => w[key] = randn(shape, generator: g) * 0.3;
        Add("shared.weight", T5.VocabSize, T5.DModel);
        Add("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", T5.RelativeAttentionNumBuckets, T5.NumHeads);
        for (int i = 0; i < T5.NumLayers; i++)
        {
            string p = $"encoder.block.{i}.layer.";
            foreach (var n in new[] { "q", "k", "v" }) Add($"{p}0.SelfAttention.{n}.weight", 8, 16);
            Add($"{p}0.SelfAttention.o.weight", 16, 8);
            w[$"{p}0.layer_norm.weight"] = 1 + randn(16, generator: g) * 0.1;
            Add($"{p}1.DenseReluDense.wi_0.weight", 24, 16);
            Add($"{p}1.DenseReluDense.wi_1.weight", 24, 16);
            Add($"{p}1.DenseReluDense.wo.weight", 16, 24);
            w[$"{p}1.layer_norm.weight"] = 1 + randn(16, generator: g) * 0.1;
        }
        w["encoder.final_layer_norm.weight"] = 1 + randn(16, generator: g) * 0.1;
        var file = w.Where(kv => kv.Key != drop).ToDictionary(kv => kv.Key, kv => kv.Value);
        file["encoder.embed_tokens.weight"] = w["shared.weight"]; // tied copy some exports carry
        SafeTensors.Save(Path.Combine(dir, "model.safetensors"), file);
        File.WriteAllText(Path.Combine(dir, "config.json"), T5.ToHfJson());
        TinyTokenizerFiles.WriteSentencePiece(Path.Combine(dir, "spiece.model"));
        return w;
    }

    public static Dictionary<string, Tensor> WriteClip(string dir)
    {
        var g = new Generator(7);
        var w = new Dictionary<string, Tensor>();
        void Add(string key, params long[] shape) => w[key] = randn(shape, generator: g) * 0.3;
        void Norm(string key) { w[key + ".weight"] = 1 + randn(16, generator: g) * 0.1; w[key + ".bias"] = randn(16, generator: g) * 0.1; }
        Add("text_model.embeddings.token_embedding.weight", 35, 16);
        Add("text_model.embeddings.position_embedding.weight", 8, 16);
        for (int i = 0; i < 2; i++)
        {
            string p = $"text_model.encoder.layers.{i}.";
            foreach (var n in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
            {
                Add($"{p}self_attn.{n}.weight", 16, 16);
                Add($"{p}self_attn.{n}.bias", 16);
            }
            Norm($"{p}layer_norm1");
            Norm($"{p}layer_norm2");
            Add($"{p}mlp.fc1.weight", 32, 16); Add($"{p}mlp.fc1.bias", 32);
            Add($"{p}mlp.fc2.weight", 16, 32); Add($"{p}mlp.fc2.bias", 16);
        }
        Norm("text_model.final_layer_norm");
        var file = new Dictionary<string, Tensor>(w)
        {
            ["text_model.embeddings.position_ids"] = arange(8).unsqueeze(0), // legacy buffer
            ["text_projection.weight"] = randn(16, 16), // CLIPModel extras are not part of the text tower
            ["vision_model.post_layernorm.weight"] = ones(16),
        };
        SafeTensors.Save(Path.Combine(dir, "model.safetensors"), file);
        File.WriteAllText(Path.Combine(dir, "config.json"), Clip.ToHfJson());
        TinyTokenizerFiles.WriteClipBpe(dir);
        return w;
    }
}
