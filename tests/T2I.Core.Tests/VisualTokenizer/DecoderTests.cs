using T2I.Core.VisualTokenizer;
using TorchSharp;
using TorchSharp.Modules;
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
        // Two blocks per level (ResBlocksPerLevel 1) so every LDM name pattern occurs.
        var config = DecoderConfig.Tiny(8) with { ChannelMultipliers = new[] { 1, 1, 2, 2, 2 }, ResBlocksPerLevel = 1 };
        var keys = new Decoder(config).state_dict().Keys.ToHashSet();
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
        Assert.Equal(new long[] { 2, 3, 16 * h, 16 * w }, decoder.forward(randn(2, 32, h, w)).shape);
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(8, 6)]
    public void ForwardFlopsCountEveryConvolutionAndAttention(int h, int w)
    {
        using var scope = NewDisposeScope();
        var config = DecoderConfig.Tiny();
        var decoder = new Decoder(config);
        // Independent count from the allocated modules: each conv's weight times the pixels of the level it sits in
        // (up.L runs at latent·2^(Levels−1−L), its upsample conv at twice that), plus 2·2·p²·c per attention block.
        long Pixels(string name)
        {
            if (!name.StartsWith("up.", StringComparison.Ordinal)) return name.StartsWith("conv_out", StringComparison.Ordinal) ? 256L * h * w : (long)h * w;
            int level = int.Parse(name.Split('.')[1]);
            long scale = 1L << (config.Levels - 1 - level + (name.Contains(".upsample.") ? 1 : 0));
            return scale * scale * h * w;
        }
        long counted = 0;
        foreach (var (name, module) in decoder.named_modules())
        {
            if (module is Conv2d conv) counted += 2 * conv.weight!.numel() * Pixels(name);
            if (module is AttnBlock) { long p = Pixels(name); counted += 4 * p * p * config.ChannelsAt(config.Levels - 1); }
        }
        using (no_grad()) Assert.Equal(new long[] { 1, 3, 16 * h, 16 * w }, decoder.forward(randn(1, config.LatentChannels, h, w)).shape);
        Assert.Equal(counted, config.ForwardFlops(h, w));
    }

    [Fact]
    public void NearestUpsampleEqualsInterpolate()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 5, 7);
        var expected = nn.functional.interpolate(x, scale_factor: new[] { 2.0, 2.0 }, mode: InterpolationMode.Nearest);
        Assert.True(T2I.Core.VisualTokenizer.Upsample.Nearest2x(x).equal(expected).all().item<bool>());
    }
}
