using System.Text.Json.Nodes;
using T2I.Core.Checkpoints;
using T2I.Core.Eval;
using T2I.Core.Tests.Text;
using T2I.Core.Text;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Eval;

public class ClipScoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2i-clipscore-").FullName;
    private static readonly ClipVisionConfig Vision = new(HiddenSize: 16, IntermediateSize: 32, NumLayers: 2, NumHeads: 2, ImageSize: 28, PatchSize: 14, ProjectionDim: 8);
    private static readonly ClipTextConfig Text = new(VocabSize: 35, HiddenSize: 16, IntermediateSize: 32, NumLayers: 2, NumHeads: 2,
        MaxPositions: 8, BosTokenId: 0, EosTokenId: 1);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A tiny HF CLIPModel folder: both towers and projections under upstream key names, plus keys loaders must skip.</summary>
    private ClipVisionEncoder WriteClipModel(ClipVisionConfig vision)
    {
        TorchRuntime.Seed(5);
        var visionModel = new ClipVisionEncoder(vision);
        var textModel = new ClipTextEncoder(Text);
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (k, v) in visionModel.state_dict()) tensors[k] = v;
        foreach (var (k, v) in textModel.state_dict()) tensors[k] = v;
        tensors["text_projection.weight"] = randn(vision.ProjectionDim, Text.HiddenSize);
        tensors["logit_scale"] = tensor(4.6052f);
        tensors["vision_model.embeddings.position_ids"] = arange(vision.GridSize * vision.GridSize + 1).unsqueeze(0);
        SafeTensors.Save(Path.Combine(_dir, "model.safetensors"), tensors);
        var config = new JsonObject
        {
            ["model_type"] = "clip", ["projection_dim"] = vision.ProjectionDim,
            ["text_config"] = JsonNode.Parse(Text.ToHfJson()), ["vision_config"] = vision.ToHfJson(),
        };
        File.WriteAllText(Path.Combine(_dir, "config.json"), config.ToJsonString());
        TinyTokenizerFiles.WriteClipBpe(_dir);
        return visionModel;
    }

    [Fact]
    public void VisionTowerLoadsHfKeysAndReproducesTheWrittenModel()
    {
        var original = WriteClipModel(Vision);
        var keys = original.state_dict().Keys.ToHashSet();
        foreach (var k in new[] { "vision_model.embeddings.class_embedding", "vision_model.embeddings.patch_embedding.weight",
                     "vision_model.embeddings.position_embedding.weight", "vision_model.pre_layrnorm.weight",
                     "vision_model.encoder.layers.1.self_attn.k_proj.bias", "vision_model.encoder.layers.0.mlp.fc1.weight",
                     "vision_model.encoder.layers.0.layer_norm2.bias", "vision_model.post_layernorm.weight", "visual_projection.weight" })
            Assert.Contains(k, keys);
        Assert.DoesNotContain("visual_projection.bias", keys);
        Assert.DoesNotContain("vision_model.embeddings.patch_embedding.bias", keys);

        using var loaded = ClipVisionEncoder.Load(_dir);
        Assert.Equal(Vision, loaded.Config);
        using var images = rand(3, 3, 40, 60) * 2 - 1; // not square: short side to 28, centre crop
        original.eval();
        using var a = original.Features(images);
        using var b = loaded.Features(images);
        Assert.Equal(new long[] { 3, 8 }, b.shape);
        Assert.True(a.allclose(b, rtol: 0, atol: 1e-6));
        Assert.False(b[0].allclose(b[1]), "different images must give different embeddings");

        File.Delete(Path.Combine(_dir, "model.safetensors"));
        SafeTensors.Save(Path.Combine(_dir, "model.safetensors"), original.state_dict().Where(kv => kv.Key != "vision_model.pre_layrnorm.bias"));
        var error = Assert.Throws<InvalidDataException>(() => ClipVisionEncoder.Load(_dir));
        Assert.Contains("pre_layrnorm.bias", error.Message);
    }

    [Fact]
    public void WithoutLayersTheEmbeddingIsTheProjectedDoublyNormedClassToken()
    {
        // Zero encoder layers: embedding = W · LN_post(LN_pre(class_embedding + position[0])) — computed here by hand.
        var model = WriteClipModel(Vision with { NumLayers = 0 });
        using var loaded = ClipVisionEncoder.Load(_dir);
        var sd = model.state_dict();
        double[] Vec(string k) => sd[k].to(ScalarType.Float64).data<double>().ToArray();
        double[] LayerNorm(double[] x, string name)
        {
            double mean = x.Average(), var = x.Select(v => (v - mean) * (v - mean)).Average();
            double[] w = Vec(name + ".weight"), bias = Vec(name + ".bias");
            return x.Select((v, i) => (v - mean) / Math.Sqrt(var + 1e-5) * w[i] + bias[i]).ToArray();
        }
        var pos0 = Vec("vision_model.embeddings.position_embedding.weight")[..16];
        var x = Vec("vision_model.embeddings.class_embedding").Select((v, i) => v + pos0[i]).ToArray();
        x = LayerNorm(LayerNorm(x, "vision_model.pre_layrnorm"), "vision_model.post_layernorm");
        var w = Vec("visual_projection.weight");
        var expected = Enumerable.Range(0, 8).Select(o => Enumerable.Range(0, 16).Sum(i => w[o * 16 + i] * x[i])).ToArray();
        using var features = loaded.Features(zeros(1, 3, 28, 28));
        Assert.Equal(expected, features[0].to(ScalarType.Float64).data<double>().ToArray(), (p, q) => Math.Abs(p - q) < 1e-4);
    }

    [Fact]
    public void ClipScoreIsHundredTimesTheClampedCosine()
    {
        // By hand: cos([1,0],[1,1]) = 1/√2; cos([0,2],[0,-1]) = −1 → clamped to 0; cos([3,4],[3,4]) = 1.
        var s = ClipScore.FromEmbeddings(tensor(new float[] { 1, 0, 0, 2, 3, 4 }).view(3, 2), tensor(new float[] { 1, 1, 0, -1, 3, 4 }).view(3, 2));
        Assert.Equal([100 / Math.Sqrt(2), 0, 100], s, (p, q) => Math.Abs(p - q) < 1e-4);

        WriteClipModel(Vision);
        using var clip = ClipScore.Load(_dir);
        using var images = rand(2, 3, 28, 42) * 2 - 1;
        string[] prompts = ["red cat", "a blue cat"];
        var scores = clip.PerImage(images, prompts);
        using var img = clip.Vision.Features(images).to(ScalarType.Float64);
        using var txt = clip.TextEmbeddings(prompts).to(ScalarType.Float64);
        for (int i = 0; i < 2; i++)
        {
            double[] u = img[i].data<double>().ToArray(), v = txt[i].data<double>().ToArray();
            double cos = u.Zip(v, (p, q) => p * q).Sum() / Math.Sqrt(u.Sum(p => p * p) * v.Sum(q => q * q));
            Assert.Equal(100 * Math.Max(cos, 0), scores[i], 4);
        }
        Assert.Throws<ArgumentException>(() => clip.PerImage(images, ["one prompt"]));
    }
}
