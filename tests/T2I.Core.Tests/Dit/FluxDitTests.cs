using T2I.Core.Dit;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Dit;

public class FluxDitTests
{
    private static FluxDit RandomisedTiny(int seed = 1)
    {
        manual_seed(seed);
        var model = new FluxDit(DitConfig.Tiny);
        using var noGrad = no_grad();
        // adaLN-Zero makes a fresh model output zero; perturb every parameter so the tests see real signal paths.
        foreach (var p in model.parameters()) p.add_(randn_like(p) * 0.2);
        return model;
    }

    [Fact]
    public void ParameterNamesAndShapesFollowFlux()
    {
        using var model = new FluxDit(DitConfig.Tiny);
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        long d = 64, m = 256;
        Assert.Equal(new[] { d, 32L }, shapes["img_in.weight"]);
        Assert.Equal(new[] { d, 256L }, shapes["time_in.in_layer.weight"]);
        Assert.Equal(new[] { d }, shapes["vector_in.out_layer.bias"]);
        Assert.Equal(new[] { d, 64L }, shapes["txt_in.weight"]);
        Assert.Equal(new[] { 6 * d, d }, shapes["double_blocks.0.img_mod.lin.weight"]);
        Assert.Equal(new[] { 3 * d, d }, shapes["double_blocks.0.txt_attn.qkv.weight"]);
        Assert.Equal(new[] { 3 * d }, shapes["double_blocks.0.img_attn.qkv.bias"]);
        Assert.Equal(new[] { 32L }, shapes["double_blocks.0.img_attn.norm.query_norm.scale"]);
        Assert.Equal(new[] { d, d }, shapes["double_blocks.0.txt_attn.proj.weight"]);
        Assert.Equal(new[] { m, d }, shapes["double_blocks.0.img_mlp.0.weight"]);
        Assert.Equal(new[] { d, m }, shapes["double_blocks.0.txt_mlp.2.weight"]);
        Assert.Equal(new[] { 3 * d + m, d }, shapes["single_blocks.1.linear1.weight"]);
        Assert.Equal(new[] { d, d + m }, shapes["single_blocks.1.linear2.weight"]);
        Assert.Equal(new[] { 32L }, shapes["single_blocks.0.norm.key_norm.scale"]);
        Assert.Equal(new[] { 3 * d, d }, shapes["single_blocks.0.modulation.lin.weight"]);
        Assert.Equal(new[] { 2 * d, d }, shapes["final_layer.adaLN_modulation.1.weight"]);
        Assert.Equal(new[] { 32L, d }, shapes["final_layer.linear.weight"]);
    }

    [Fact]
    public void AdaLnZeroInitialisationMakesTheFreshModelPredictZero()
    {
        manual_seed(0);
        using var model = new FluxDit(DitConfig.Tiny);
        using var scope = NewDisposeScope();
        var v = model.ForwardLatents(randn(2, 32, 3, 5), tensor(new[] { 0.3f, 0.9f }), randn(2, 4, 64), randn(2, 64));
        Assert.Equal(new long[] { 2, 32, 3, 5 }, v.shape);
        Assert.Equal(0f, v.abs().max().item<float>());
        foreach (var (name, p) in model.named_parameters())
            if (name.Contains("modulation") || name.Contains("_mod.") || name.StartsWith("final_layer"))
                Assert.Equal(0f, p.abs().max().item<float>());
    }

    [Fact]
    public void OutputDependsOnTextTimeAndEachSampleOnlyOnItself()
    {
        using var model = RandomisedTiny();
        using var scope = NewDisposeScope();
        var x = randn(2, 32, 4, 6);
        var t = tensor(new[] { 0.3f, 0.8f });
        var txt = randn(2, 5, 64);
        var y = randn(2, 64);
        var v = model.ForwardLatents(x, t, txt, y);
        var first = model.ForwardLatents(x[..1], t[..1], txt[..1], y[..1]);
        Assert.True(allclose(v[..1], first, 1e-4, 1e-5), "a sample's output must not depend on its batch neighbours");
        var otherText = model.ForwardLatents(x, t, randn(2, 5, 64), y);
        Assert.True((otherText - v).abs().max().item<float>() > 1e-3);
        var otherTime = model.ForwardLatents(x, t * 0.5, txt, y);
        Assert.True((otherTime - v).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void PaddedTextTokensAreIgnoredUnderTheMask()
    {
        using var model = RandomisedTiny(2);
        using var scope = NewDisposeScope();
        var x = randn(1, 32, 2, 3);
        var t = tensor(new[] { 0.5f });
        var y = randn(1, 64);
        var txt = randn(1, 3, 64);
        var padded = cat(new[] { txt, randn(1, 4, 64) * 10 }, dim: 1);
        var mask = tensor(new[] { true, true, true, false, false, false, false }).reshape(1, 7);
        var reference = model.ForwardLatents(x, t, txt, y);
        var masked = model.ForwardLatents(x, t, padded, y, mask);
        Assert.True(allclose(reference, masked, 1e-4, 1e-5));
    }

    [Fact]
    public void AnyBucketShapeRunsAndTransposedGridsDiffer()
    {
        using var model = RandomisedTiny(3);
        using var scope = NewDisposeScope();
        var wide = randn(1, 32, 2, 5);
        var t = tensor(new[] { 0.5f });
        var txt = randn(1, 3, 64);
        var y = randn(1, 64);
        var vWide = model.ForwardLatents(wide, t, txt, y);
        var vTall = model.ForwardLatents(wide.transpose(2, 3).contiguous(), t, txt, y);
        Assert.Equal(new long[] { 1, 32, 5, 2 }, vTall.shape);
        // Positions come from the grid: transposing the input is not the same as transposing the output.
        Assert.True((vTall.transpose(2, 3) - vWide).abs().max().item<float>() > 1e-4);
    }

    [Fact]
    public void GradientsReachEveryBlock()
    {
        using var model = RandomisedTiny(4);
        using var scope = NewDisposeScope();
        var v = model.ForwardLatents(randn(2, 32, 2, 2), tensor(new[] { 0.2f, 0.7f }), randn(2, 3, 64), randn(2, 64));
        v.pow(2).mean().backward();
        foreach (var (name, p) in model.named_parameters())
            Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0, $"no gradient reached {name}");
    }
}
