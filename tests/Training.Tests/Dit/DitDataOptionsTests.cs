using T2I.Core.Inference;
using T2I.Training.Dit;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Dit;

/// <summary>The DiT's data options: caption-word filter, short label captions, global latent scaling.</summary>
public class DitDataOptionsTests
{
    [Theory]
    [InlineData("a large red circle on a blue background", "large", true)]
    [InlineData("Large red circle, white backdrop", "large", true)]
    [InlineData("A small red square on gray.", "large", false)]
    [InlineData("an enlarged red square", "large", false)]
    public void CaptionWordMatchesWholeWordsOnly(string caption, string word, bool expected) =>
        Assert.Equal(expected, ShardRows.HasWord(caption, word));

    [Fact]
    public void ShortCaptionComesFromTheLabels()
    {
        Assert.Equal("a blue triangle", DitBatch.ShortCaption("""{"shape":"triangle","color":"blue","size":"large"}"""));
        Assert.Null(DitBatch.ShortCaption(null));
        Assert.Null(DitBatch.ShortCaption("""{"color":"blue"}"""));
        Assert.Null(DitBatch.ShortCaption("not json"));
    }

    [Fact]
    public void GlobalScalingKeepsTheRatioOfChannelScales()
    {
        using var scope = NewDisposeScope();
        var gen = new TorchSharp.torch.Generator(3);
        var z = randn(new long[] { 64, 2, 4, 4 }, generator: gen) * tensor(new[] { 3f, 0.3f }).view(1, 2, 1, 1);
        var perChannel = LatentNormalization.Compute([z]);
        var global = LatentNormalization.Compute([z], perChannelStd: false);
        Assert.Equal(10, perChannel.Std[0] / perChannel.Std[1], 0.5);
        Assert.Equal(global.Std[0], global.Std[1]);
        // One shared std: the strong channel stays ~10× the weak one after normalising, and the total variance is 1.
        var n = global.Normalize(z);
        var std = n.transpose(0, 1).reshape(2, -1).std(1).data<float>().ToArray();
        Assert.Equal(10, std[0] / std[1], 0.5);
        Assert.Equal(1, (std[0] * std[0] + std[1] * std[1]) / 2, 0.05);
        Assert.Equal(z, global.Denormalize(n), (a, b) => a.allclose(b, rtol: 1e-4, atol: 1e-4));
    }
}

/// <summary>The prompt-independence baseline of generation accuracy.</summary>
public class IndependenceChanceTests
{
    [Fact]
    public void IndependenceChanceIsTheAgreementOfMarginals()
    {
        // Asked circle/square 10 each; the judge saw circle 15 times, square 5 — whatever was asked: p_e = (10·15 + 10·5) / 20².
        var ignoring = new T2I.Core.Eval.AttributeScore("shape", ["circle", "square", "ring"], 20, 10, [[8, 2, 0], [7, 3, 0], [0, 0, 0]]);
        Assert.Equal(0.5, ignoring.IndependenceChance, 6);
        // Everything read as a class nobody asked for: baseline 0, while uniform chance is 1/3.
        var unread = new T2I.Core.Eval.AttributeScore("shape", ["circle", "square", "ring"], 20, 0, [[0, 0, 10], [0, 0, 10], [0, 0, 0]]);
        Assert.Equal(0, unread.IndependenceChance, 6);
    }
}
