using T2I.Core.Checkpoints;
using T2I.Core.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Text;

public class T5EncoderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2i-t5-").FullName;
    private static readonly T5Config Tiny = TinyTextEncoderFolders.T5;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RelativeBucketsMatchT5sBidirectionalScheme()
    {
        using var scope = NewDisposeScope();
        var rel = tensor(new long[] { 0, -1, 1, -7, -8, -20, 200, 15, -127, -128 });
        var buckets = T5Attention.RelativePositionBucket(rel, 32, 128).data<long>().ToArray();
        // hand-computed: 16 buckets per sign, 8 exact, then log-spaced up to 128
        Assert.Equal(new long[] { 0, 1, 17, 7, 8, 10, 31, 16 + 9, 15, 15 }, buckets);
    }

    [Fact]
    public void LoadsAnHfFolderUnderUpstreamKeysAndMatchesAReferenceForward()
    {
        var weights = TinyTextEncoderFolders.WriteT5(_dir);
        using var model = T5Encoder.Load(_dir);
        using var scope = NewDisposeScope();
        var enc = model.Encode(new[] { "a red cat" });
        var ids = model.Tokenize("a red cat");
        Assert.Equal(4, ids.Count);
        var expected = Reference(weights, ids.ToArray());
        Assert.True(allclose(enc.Sequence[0], expected, 1e-4, 1e-4));

        // padding in a batch changes nothing for the shorter prompt
        var batch = model.Encode(new[] { "a red cat", "a blue cat a red cat s" });
        Assert.True(allclose(batch.Sequence[0, ..4], expected, 1e-4, 1e-4));
        Assert.False(batch.Mask[0, 5].item<bool>());
    }

    [Fact]
    public void ATokenCapTruncatesPromptsKeepingTheirEos()
    {
        TinyTextEncoderFolders.WriteT5(_dir);
        using var full = T5Encoder.Load(_dir);
        using var capped = T5Encoder.Load(_dir, maxTokens: 3);
        var ids = full.Tokenize("a blue cat a red cat s");
        Assert.True(ids.Count > 3);
        Assert.Equal(ids.Take(2).Append(ids[^1]), capped.Tokenize("a blue cat a red cat s"));
        using var scope = NewDisposeScope();
        Assert.Equal(3, capped.Encode(new[] { "a blue cat a red cat s", "a cat" }).Sequence.shape[1]);
    }

    [Fact]
    public void AMissingKeyIsReportedByName()
    {
        var weights = TinyTextEncoderFolders.WriteT5(_dir, drop: "encoder.block.1.layer.1.DenseReluDense.wi_1.weight");
        var ex = Assert.Throws<InvalidDataException>(() => T5Encoder.Load(_dir));
        Assert.Contains("missing encoder.block.1.layer.1.DenseReluDense.wi_1.weight", ex.Message);
    }

    /// <summary>T5 v1.1 encoder written out from the weight dictionary, independent of the module code.</summary>
    private static Tensor Reference(Dictionary<string, Tensor> w, int[] ids)
    {
        int l = ids.Length, heads = Tiny.NumHeads, dkv = Tiny.DKv;
        var h = w["shared.weight"][tensor(ids.Select(i => (long)i).ToArray())];
        Tensor Rms(Tensor x, Tensor g) => g * x / sqrt(x.pow(2).mean(new long[] { -1 }, keepdim: true) + 1e-6);
        var bias = zeros(heads, l, l);
        var table = w["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"];
        for (int qi = 0; qi < l; qi++)
            for (int ki = 0; ki < l; ki++)
            {
                int rel = ki - qi, n = Math.Abs(rel), bucket = rel > 0 ? 4 : 0; // 8 buckets: 4 per sign, 2 exact
                bucket += n < 2 ? n : Math.Min(3, 2 + (int)(Math.Log(n / 2.0) / Math.Log(16 / 2.0) * 2));
                bias[.., qi, ki] = table[bucket];
            }
        for (int i = 0; i < Tiny.NumLayers; i++)
        {
            string p = $"encoder.block.{i}.layer.";
            var x = Rms(h, w[$"{p}0.layer_norm.weight"]);
            Tensor Proj(string n) => x.matmul(w[$"{p}0.SelfAttention.{n}.weight"].t()).reshape(l, heads, dkv).transpose(0, 1);
            var att = softmax(Proj("q").matmul(Proj("k").transpose(1, 2)) + bias, -1).matmul(Proj("v"));
            h = h + att.transpose(0, 1).reshape(l, heads * dkv).matmul(w[$"{p}0.SelfAttention.o.weight"].t());
            var y = Rms(h, w[$"{p}1.layer_norm.weight"]);
            var a = y.matmul(w[$"{p}1.DenseReluDense.wi_0.weight"].t());
            var gelu = 0.5 * a * (1 + tanh(Math.Sqrt(2 / Math.PI) * (a + 0.044715 * a.pow(3))));
            h = h + (gelu * y.matmul(w[$"{p}1.DenseReluDense.wi_1.weight"].t())).matmul(w[$"{p}1.DenseReluDense.wo.weight"].t());
        }
        return Rms(h, w["encoder.final_layer_norm.weight"]);
    }
}
