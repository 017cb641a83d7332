using T2I.Core.Data;
using T2I.Core.VisualTokenizer;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.VisualTokenizer;

public class AlignedTokenizerTests
{
    [Fact]
    public void EncodesAndDecodesEveryBucketShapeAtF16()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        var tok = new AlignedTokenizer(AlignedTokenizerConfig.Tiny);
        var table = AspectBuckets.For(64);
        var buckets = new[] { table.First(), table.MinBy(b => Math.Abs(b.AspectRatio - 1))!, table.Last() };
        foreach (var b in buckets)
        {
            var images = rand(2, 3, b.Height, b.Width) * 2 - 1;
            Assert.Equal(new long[] { 2, 3, b.Height / 16 * 14, b.Width / 16 * 14 }, tok.EncoderInput(images).shape);
            var z = tok.Encode(images);
            Assert.Equal(new long[] { 2, tok.Config.LatentChannels, b.Height / 16, b.Width / 16 }, z.shape);
            Assert.Equal(new long[] { 2, 3, b.Height, b.Width }, tok.Decode(z).shape);
        }
    }

    [Fact]
    public void RejectsSizesThatAreNotMultiplesOf16()
    {
        using var scope = NewDisposeScope();
        var tok = new AlignedTokenizer(AlignedTokenizerConfig.Tiny);
        Assert.Throws<ArgumentException>(() => tok.Encode(zeros(1, 3, 40, 64)));
        Assert.Throws<ArgumentException>(() => tok.Decode(zeros(1, 5, 4, 4)));
    }

    [Fact]
    public void LatentsDependOnlyOnTheirOwnImage()
    {
        // Per-image semantics: batching must not mix images (no batch statistics in encoder, adapter or decoder).
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        var tok = new AlignedTokenizer(AlignedTokenizerConfig.Tiny);
        var a = rand(1, 3, 32, 48) * 2 - 1; var b = rand(1, 3, 32, 48) * 2 - 1;
        var both = tok.Encode(cat(new[] { a, b }, 0));
        Assert.True(allclose(both[0], tok.Encode(a)[0], 1e-5, 1e-5));
        var diff = (tok.Decode(both)[1] - tok.Decode(tok.Encode(b))[0]).abs().max().item<float>();
        Assert.True(diff < 1e-4, $"decode differs by {diff}");
    }

    [Fact]
    public void PaperConfigCountsAreTheirParts()
    {
        var c = AlignedTokenizerConfig.Paper;
        Assert.Equal(1024L * 1024 + 1024 + 1024 * 32 + 32, c.AdapterParameters);
        Assert.Equal(c.EncoderParameters + c.AdapterParameters + c.DecoderParameters, c.TotalParameters);
        Assert.InRange(c.TotalParameters, 345_000_000, 350_000_000);
    }

    [Fact]
    public void ConfigRoundTripsThroughJson()
    {
        var json = AlignedTokenizerConfig.Paper.ToJson();
        Assert.Equal(AlignedTokenizerConfig.Paper, AlignedTokenizerConfig.FromJson(json));
        Assert.Throws<ArgumentException>(() => (AlignedTokenizerConfig.Tiny with { LatentChannels = 4 }).Validate());
    }
}
