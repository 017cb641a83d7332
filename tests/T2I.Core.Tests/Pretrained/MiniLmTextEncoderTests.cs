using System.Text;
using T2I.Core.Pretrained;
using T2I.Core.Pretrained.MiniLm;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Pretrained;

public sealed class MiniLmFixture : IDisposable
{
    public MiniLmTextEncoder Encoder { get; } = MiniLmTextEncoder.FromPackage();

    public void Dispose() => Encoder.Dispose();
}

public sealed class MiniLmTextEncoderTests(MiniLmFixture fixture, ITestOutputHelper output) : IClassFixture<MiniLmFixture>
{
    private MiniLmTextEncoder Encoder => fixture.Encoder;

    [Fact]
    public void TokenStatesEqualOnnxRuntimeIncludingAPaddedRow()
    {
        using var scope = NewDisposeScope();
        var prompts = new[] { "a red apple on a wooden table, photographed from above", "dog face" };
        var rows = prompts.Select(Encoder.Tokenize).ToList();
        int n = rows.Count, l = rows.Max(r => r.Count);
        var ids = new long[n * l];
        var mask = new long[n * l];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < rows[i].Count; j++) (ids[i * l + j], mask[i * l + j]) = (rows[i][j], 1);
        var expected = OnnxReference.Run(PretrainedPackages.MiniLmOnnx(),
            new OnnxReference.Input("input_ids", new[] { n, l }, Int64s: ids),
            new OnnxReference.Input("attention_mask", new[] { n, l }, Int64s: mask),
            new OnnxReference.Input("token_type_ids", new[] { n, l }, Int64s: new long[n * l]))["last_hidden_state"];

        using var encoding = Encoder.Encode(prompts);
        Assert.Equal(new long[] { n, l, 384 }, encoding.Sequence.shape);
        var actual = encoding.Sequence.flatten().data<float>().ToArray();
        var realPositions = Enumerable.Range(0, n * l).Where(p => mask[p] == 1).ToArray();
        float worst = realPositions.SelectMany(p => Enumerable.Range(p * 384, 384))
            .Max(k => Math.Abs(expected[k] - actual[k]));
        output.WriteLine($"MiniLM vs ONNX Runtime: largest difference over real tokens {worst:g3}");
        Assert.True(worst < 1e-4f, $"largest difference {worst}");
    }

    [Fact]
    public void WordPieceIdsAreTheVocabularyLinesBetweenClsAndSep()
    {
        var vocabulary = Encoding.UTF8.GetString(PretrainedPackages.MiniLmVocabulary()).Split('\n').Select(w => w.TrimEnd('\r')).ToList();
        var ids = Encoder.Tokenize("Red Apple");
        Assert.Equal(new[] { "[CLS]", "red", "apple", "[SEP]" }, ids.Select(i => vocabulary[i]));
        Assert.Equal(MiniLmTextEncoder.MaxTokens, Encoder.Tokenize(string.Join(" ", Enumerable.Repeat("apple", 200))).Count);
    }

    [Fact]
    public void SentenceEmbeddingsRankRelatedCaptionsAboveUnrelatedOnes()
    {
        using var scope = NewDisposeScope();
        using var e = Encoder.Encode(new[] { "red apple", "green apple", "dog face", "puppy" });
        float Cos(int a, int b) => (e.Pooled[a] * e.Pooled[b]).sum().item<float>();
        output.WriteLine($"cos red/green apple {Cos(0, 1):0.00}, dog face/puppy {Cos(2, 3):0.00}, red apple/dog face {Cos(0, 2):0.00}");
        Assert.InRange(e.Pooled.norm(1).min().item<float>(), 0.999f, 1.001f);
        Assert.True(Cos(0, 1) > Cos(0, 2) + 0.3f);
        Assert.True(Cos(2, 3) > Cos(0, 2) + 0.2f);
    }
}
