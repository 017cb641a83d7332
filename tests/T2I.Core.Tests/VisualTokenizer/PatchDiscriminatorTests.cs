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

/// <summary>
/// In the oneDNN collection: a test elsewhere that flips libtorch's process-wide oneDNN flag between the two forwards
/// would send their convolutions down different paths, and the bits would differ for that reason alone.
/// </summary>
[Collection(T2I.Core.Tests.TorchSharpFixes.OneDnnCollection.Name)]
public class PatchDiscriminatorForwardTests
{
    [Fact]
    public void ForwardIsTheSequentialsForwardBitForBit()
    {
        // forward applies LeakyReLU and BatchNorm through ScalarSafe; it must equal TorchSharp's modules, running
        // statistics included.
        using var scope = NewDisposeScope();
        var d = new PatchDiscriminator(PatchDiscriminatorConfig.Tiny);
        var copy = new PatchDiscriminator(PatchDiscriminatorConfig.Tiny);
        copy.load_state_dict(d.state_dict());
        var reference = (nn.Module<Tensor, Tensor>)copy.named_children().Single(c => c.name == "main").module;
        var x = randn(new long[] { 2, 3, 32, 32 }, generator: new Generator(5));
        for (int step = 0; step < 2; step++) Assert.True(reference.forward(x).eq(d.forward(x)).all().item<bool>());
        var buffers = d.state_dict();
        foreach (var (key, value) in reference.state_dict())
            Assert.True(value.eq(buffers["main." + key]).all().item<bool>(), key);
        Assert.Equal(2, buffers["main.3.num_batches_tracked"].item<long>());
        reference.eval();
        d.eval();
        using (no_grad()) Assert.True(reference.forward(x).eq(d.forward(x)).all().item<bool>());
    }
}
