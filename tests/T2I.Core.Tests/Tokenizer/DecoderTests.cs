using T2I.Core.VisualTokenizer;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.VisualTokenizer;

public class DecoderTests
{
    [Fact]
    public void PaperDecoderHasAbout41MParametersAndTheFormulaAgrees()
    {
        using var scope = NewDisposeScope();
        var config = DecoderConfig.Paper();
        var decoder = new Decoder(config);
        long allocated = decoder.parameters().Sum(p => p.numel());
        Assert.Equal(config.ParameterCount(), allocated);
        Assert.InRange(allocated, 40_000_000, 43_000_000); // the paper: "~42M", VA-VAE f16d32 decoder ≈ 41M
    }

    [Fact]
    public void TinyFormulaMatchesAllocation()
    {
        using var scope = NewDisposeScope();
        var config = DecoderConfig.Tiny();
        Assert.Equal(config.ParameterCount(), new Decoder(config).parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void ParameterNamesFollowLdm()
    {
        using var scope = NewDisposeScope();
        var keys = new Decoder(DecoderConfig.Tiny()).state_dict().Keys.ToHashSet();
        foreach (var key in new[] { "conv_in.weight", "mid.block_1.norm1.weight", "mid.attn_1.q.weight", "mid.attn_1.proj_out.bias",
                     "mid.block_2.conv2.weight", "up.4.block.0.conv1.weight", "up.4.attn.1.k.weight", "up.4.upsample.conv.weight",
                     "up.1.block.0.nin_shortcut.weight", "up.1.upsample.conv.weight", "up.0.block.1.conv2.bias",
                     "norm_out.weight", "conv_out.weight" })
            Assert.Contains(key, keys);
        Assert.DoesNotContain("up.0.upsample.conv.weight", keys); // level 0 is full size
        Assert.DoesNotContain("up.3.attn.0.q.weight", keys);      // attention only at the lowest level
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(4, 1)]
    public void UpsamplesSixteenTimes(int h, int w)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        var decoder = new Decoder(DecoderConfig.Tiny());
        Assert.Equal(new long[] { 2, 3, 16 * h, 16 * w }, decoder.forward(randn(2, 8, h, w)).shape);
    }
}
