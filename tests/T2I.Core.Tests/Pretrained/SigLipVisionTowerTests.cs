using T2I.Core.Checkpoints;
using T2I.Core.Pretrained.SigLip;
using T2I.Core.Tests.Support;
using T2I.Core.VisualTokenizer.VfmVae;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Pretrained;

/// <summary>
/// No SigLIP2 runtime is reachable here, so the loader is checked on a tiny HF-layout checkpoint this test writes:
/// every upstream key lands in the right place, and the tower's hidden states equal a reference written out below in
/// plain tensor operations from the same dictionary of weights (HF SiglipVisionTransformer's arithmetic).
/// </summary>
public class SigLipVisionTowerTests
{
    private static readonly SigLipVisionConfig Tiny = new(HiddenSize: 8, IntermediateSize: 16, NumLayers: 2, NumHeads: 2,
        ImageSize: 32, PatchSize: 8);

    private static Dictionary<string, Tensor> WriteCheckpoint(string folder)
    {
        manual_seed(5);
        int d = Tiny.HiddenSize, m = Tiny.IntermediateSize, p = Tiny.PatchSize, g = Tiny.GridSize;
        var w = new Dictionary<string, Tensor>
        {
            ["vision_model.embeddings.patch_embedding.weight"] = randn(d, 3, p, p) * 0.1,
            ["vision_model.embeddings.patch_embedding.bias"] = randn(d) * 0.1,
            ["vision_model.embeddings.position_embedding.weight"] = randn(g * g, d) * 0.1,
            ["vision_model.post_layernorm.weight"] = randn(d), ["vision_model.post_layernorm.bias"] = randn(d),
            ["vision_model.head.probe"] = randn(1, 1, d), // the pooling head: skipped
            ["text_model.embeddings.token_embedding.weight"] = randn(10, d), // the text tower: skipped
            ["logit_scale"] = randn(1), ["logit_bias"] = randn(1),
        };
        for (int l = 0; l < Tiny.NumLayers; l++)
        {
            string k = $"vision_model.encoder.layers.{l}.";
            foreach (string proj in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
            {
                w[k + $"self_attn.{proj}.weight"] = randn(d, d) * 0.3;
                w[k + $"self_attn.{proj}.bias"] = randn(d) * 0.1;
            }
            foreach (string ln in new[] { "layer_norm1", "layer_norm2" })
            {
                w[k + ln + ".weight"] = randn(d) + 1;
                w[k + ln + ".bias"] = randn(d) * 0.1;
            }
            w[k + "mlp.fc1.weight"] = randn(m, d) * 0.3; w[k + "mlp.fc1.bias"] = randn(m) * 0.1;
            w[k + "mlp.fc2.weight"] = randn(d, m) * 0.3; w[k + "mlp.fc2.bias"] = randn(d) * 0.1;
        }
        Directory.CreateDirectory(folder);
        SafeTensors.Save(Path.Combine(folder, "model.safetensors"), w);
        var config = new System.Text.Json.Nodes.JsonObject { ["model_type"] = "siglip", ["vision_config"] = Tiny.ToHfJson() };
        File.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString());
        return w;
    }

    /// <summary>HF's SigLIP vision arithmetic, spelled out.</summary>
    private static Tensor[] Reference(Dictionary<string, Tensor> w, Tensor images)
    {
        Tensor Ln(Tensor x, string key) => nn.functional.layer_norm(x, [x.shape[^1]], w[key + ".weight"], w[key + ".bias"], 1e-6);
        Tensor Lin(Tensor x, string key) => nn.functional.linear(x, w[key + ".weight"], w[key + ".bias"]);
        var x = nn.functional.conv2d(images, w["vision_model.embeddings.patch_embedding.weight"],
            w["vision_model.embeddings.patch_embedding.bias"], strides: [Tiny.PatchSize, Tiny.PatchSize]);
        x = x.flatten(2).transpose(1, 2) + w["vision_model.embeddings.position_embedding.weight"];
        var states = new List<Tensor> { x };
        long n = x.shape[0], l = x.shape[1], h = Tiny.NumHeads, hd = Tiny.HiddenSize / Tiny.NumHeads;
        for (int layer = 0; layer < Tiny.NumLayers; layer++)
        {
            string k = $"vision_model.encoder.layers.{layer}.";
            var a = Ln(x, k + "layer_norm1");
            Tensor Heads(string proj) => Lin(a, k + "self_attn." + proj).reshape(n, l, h, hd).transpose(1, 2);
            var attention = softmax(Heads("q_proj").matmul(Heads("k_proj").transpose(-1, -2)) / Math.Sqrt(hd), -1)
                .matmul(Heads("v_proj")).transpose(1, 2).reshape(n, l, -1);
            x = x + Lin(attention, k + "self_attn.out_proj");
            var hidden = Lin(Ln(x, k + "layer_norm2"), k + "mlp.fc1");
            var gelu = hidden * 0.5 * (1 + tanh(Math.Sqrt(2 / Math.PI) * (hidden + 0.044715 * hidden.pow(3))));
            x = x + Lin(gelu, k + "mlp.fc2");
            states.Add(x);
        }
        return states.ToArray();
    }

    [Fact]
    public void LoadsUpstreamKeysAndItsHiddenStatesEqualHfArithmetic()
    {
        using var tmp = new TempDir();
        var weights = WriteCheckpoint(tmp.Path);
        var config = SigLipVisionConfig.FromHfFolder(tmp.Path);
        Assert.Equal(Tiny, config);
        using var tower = new SigLipVisionTower(config);
        tower.Load(tmp.Path);
        foreach (var (name, tensor) in tower.state_dict()) Assert.True(weights[name].eq(tensor).all().item<bool>(), name);

        using var images = rand(2, 3, 32, 32) * 2 - 1;
        var expected = Reference(weights, images);
        var actual = tower.HiddenStates(images, [0, 1, -1]);
        Assert.True(actual[0].allclose(expected[0], atol: 1e-5), "hidden state 0: patch embedding + positions");
        Assert.True(actual[1].allclose(expected[1], atol: 1e-5), "hidden state 1");
        Assert.True(actual[2].allclose(expected[2], atol: 1e-5), "hidden state −1 = the last layer");
    }

    [Fact]
    public void AsTheVfmItGivesPatchGridsAndAMissingKeyIsNamed()
    {
        using var tmp = new TempDir();
        var weights = WriteCheckpoint(tmp.Path);
        using var vfm = new SigLipVfm(Tiny, [0, -1]);
        vfm.Load(tmp.Path);
        using var images = rand(1, 3, 32, 48) * 2 - 1; // 4×6 patches: positions resized from the 4×4 table
        var maps = vfm.Features(images);
        Assert.Equal(new long[] { 1, 8, 4, 6 }, maps[1].shape);
        Assert.Equal(new[] { 8, 8 }, vfm.Channels);

        weights.Remove("vision_model.encoder.layers.1.mlp.fc2.bias");
        SafeTensors.Save(Path.Combine(tmp.Path, "model.safetensors"), weights);
        using var other = new SigLipVisionTower(Tiny);
        var e = Assert.Throws<InvalidDataException>(() => other.Load(tmp.Path));
        Assert.Contains("missing vision_model.encoder.layers.1.mlp.fc2.bias", e.Message);
    }
}
