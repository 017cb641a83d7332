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
        Assert.Equal(expected, LatentDataset.HasWord(caption, word));

    [Fact]
    public void ShortCaptionComesFromTheLabels()
    {
        Assert.Equal("a blue triangle", LatentBatches.ShortCaption("""{"shape":"triangle","color":"blue","size":"large"}"""));
        Assert.Null(LatentBatches.ShortCaption(null));
        Assert.Null(LatentBatches.ShortCaption("""{"color":"blue"}"""));
        Assert.Null(LatentBatches.ShortCaption("not json"));
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
