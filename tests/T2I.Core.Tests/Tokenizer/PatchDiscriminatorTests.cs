using T2I.Core.VisualTokenizer;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.VisualTokenizer;

public class PatchDiscriminatorTests
{
    [Fact]
    public void TamingLayoutAndPatchLogits()
    {
        using var scope = NewDisposeScope();
        var d = new PatchDiscriminator(PatchDiscriminatorConfig.Paper);
        var shapes = d.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(new long[] { 64, 3, 4, 4 }, shapes["main.0.weight"]);
        Assert.Equal(new long[] { 128, 64, 4, 4 }, shapes["main.2.weight"]);
        Assert.False(shapes.ContainsKey("main.2.bias"));               // conv before BatchNorm has no bias
        Assert.Equal(new long[] { 128 }, shapes["main.3.running_mean"]);
        Assert.Equal(new long[] { 512, 256, 4, 4 }, shapes["main.8.weight"]);
        Assert.Equal(new long[] { 1, 512, 4, 4 }, shapes["main.11.weight"]);
        // ndf 64, 3 layers: convs 3·64·16+64, 64·128·16, 128·256·16, 256·512·16, 512·16+1 and BatchNorms 2·(128+256+512).
        long expected = 3 * 64 * 16 + 64 + 64 * 128 * 16 + 128 * 256 * 16 + 256 * 512 * 16 + 512 * 16 + 1 + 2 * (128 + 256 + 512);
        Assert.Equal(expected, d.parameters().Sum(p => p.numel()));
        // 256² → 30×30 patch logits (the pix2pix 70×70 receptive-field PatchGAN).
        using (no_grad()) Assert.Equal(new long[] { 1, 1, 30, 30 }, d.forward(randn(1, 3, 256, 256)).shape);
    }
}
