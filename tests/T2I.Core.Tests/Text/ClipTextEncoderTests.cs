using T2I.Core.Checkpoints;
using T2I.Core.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Text;

public class ClipTextEncoderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2i-clip-").FullName;
    private static readonly ClipTextConfig Tiny = TinyTextEncoderFolders.Clip;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void LoadsAnHfFolderAndPoolsTheEosStateLikeAReference()
    {
        var w = TinyTextEncoderFolders.WriteClip(_dir);
        using var model = ClipTextEncoder.Load(_dir);
        using var scope = NewDisposeScope();
        var batch = model.Encode(new[] { "red cat", "a blue cat and a red" });
        var shortIds = ClipTokenizer.FromFolder(_dir, Tiny).Encode("red cat").ToArray();
        Assert.Equal(4, shortIds.Length);
        var expected = Reference(w, shortIds);
        Assert.True(allclose(batch.Sequence[0, ..4], expected, 1e-4, 1e-4));
        Assert.True(allclose(batch.Pooled[0], expected[3], 1e-4, 1e-4), "pooled must be the EOS token's state");
        Assert.Equal(8, batch.Sequence.shape[1]); // the long prompt was truncated to the context
        Assert.Equal(16, model.PooledDim);
    }

    private static Tensor Reference(Dictionary<string, Tensor> w, int[] ids)
    {
        int l = ids.Length;
        Tensor Ln(Tensor x, string key) => nn.functional.layer_norm(x, new long[] { 16 }, w[key + ".weight"], w[key + ".bias"], 1e-5);
        Tensor Lin(Tensor x, string key) => x.matmul(w[key + ".weight"].t()) + w[key + ".bias"];
        var h = w["text_model.embeddings.token_embedding.weight"][tensor(ids.Select(i => (long)i).ToArray())]
                + w["text_model.embeddings.position_embedding.weight"][..l];
        var causal = triu(full(l, l, float.NegativeInfinity), 1);
        for (int i = 0; i < 2; i++)
        {
            string p = $"text_model.encoder.layers.{i}.";
            var x = Ln(h, p + "layer_norm1");
            Tensor Heads(string n) => Lin(x, $"{p}self_attn.{n}").reshape(l, 2, 8).transpose(0, 1);
            var att = softmax(Heads("q_proj").matmul(Heads("k_proj").transpose(1, 2)) / Math.Sqrt(8) + causal, -1).matmul(Heads("v_proj"));
            h = h + Lin(att.transpose(0, 1).reshape(l, 16), $"{p}self_attn.out_proj");
            var f = Lin(Ln(h, p + "layer_norm2"), p + "mlp.fc1");
            h = h + Lin(f * sigmoid(1.702 * f), p + "mlp.fc2");
        }
        return Ln(h, "text_model.final_layer_norm");
    }
}
