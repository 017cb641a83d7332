using T2I.Core.Dit;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Tests.TorchSharpFixes;

/// <summary>bf16 autocast on CPU (libtorch's CPU bf16 matmul); CUDA, where it pays off, is not available here.</summary>
public class AutocastTests
{
    [Fact]
    public void AutocastLinearComputesInBf16AndGivesFp32MasterGradients()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(5);
        var layer = new AutocastLinear(16, 8);
        Assert.True(layer.weight.abs().max().item<float>() <= 0.25f, "nn.Linear's kaiming-uniform bound 1/sqrt(16)");
        var x = randn(new long[] { 4, 16 }, generator: g);

        var plain = layer.forward(x);
        Assert.Equal(ScalarType.Float32, plain.dtype);
        Assert.True(plain.eq(nn.functional.linear(x, layer.weight, layer.bias)).all().item<bool>(), "without a scope: plain fp32 linear");

        Tensor y;
        using (Autocast.Enable(ScalarType.BFloat16)) y = layer.forward(x);
        Assert.Equal(ScalarType.BFloat16, y.dtype);
        Assert.InRange((y.to_type(ScalarType.Float32) - plain).abs().max().item<float>(), 1e-6f, 0.05f); // rounded, not wrong
        Assert.Null(Autocast.Dtype);

        y.to_type(ScalarType.Float32).sum().backward();
        Assert.Equal(ScalarType.Float32, layer.weight.grad!.dtype);
        var expected = x.sum(new long[] { 0 }).unsqueeze(0).expand(8, 16); // d(sum(xWᵀ + b))/dW: every row is Σ x
        Assert.True(allclose(layer.weight.grad, expected, rtol: 2e-2, atol: 2e-2));
    }

    /// <summary>Loss and gradients of one forward/backward; backward runs after the autocast scope closed, as in the trainer.</summary>
    private static (float Loss, Dictionary<string, Tensor> Grads) Step(FluxDit dit, ScalarType? precision, bool checkpointing)
    {
        dit.GradientCheckpointing = checkpointing;
        dit.train();
        dit.zero_grad();
        var g = new Generator(11);
        var latents = randn(new long[] { 2, dit.Config.InChannels, 3, 4 }, generator: g);
        var txt = randn(new long[] { 2, 5, dit.Config.ContextInDim }, generator: g);
        var pooled = randn(new long[] { 2, dit.Config.VecInDim }, generator: g);
        var target = randn(new long[] { 2, dit.Config.InChannels, 3, 4 }, generator: g);
        Tensor v;
        using (Autocast.Enable(precision)) v = dit.ForwardLatents(latents, tensor(new[] { 0.3f, 0.8f }), txt, pooled);
        Assert.Equal(precision ?? ScalarType.Float32, v.dtype);
        var loss = nn.functional.mse_loss(v.to_type(ScalarType.Float32), target);
        loss.backward();
        return (loss.item<float>(), dit.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone()));
    }

    [Fact]
    public void Bf16StepIsCloseToFp32AndCheckpointingRecomputesInBf16()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(3);
        var dit = new FluxDit(DitConfig.Tiny with { Depth = 2, DepthSingleBlocks = 2 });
        using (no_grad())
            foreach (var p in dit.parameters()) p.copy_(randn(p.shape, generator: g) * 0.1); // adaLN-Zero would hide the blocks

        var (fp32Loss, fp32) = Step(dit, null, checkpointing: false);
        var (bf16Loss, bf16) = Step(dit, ScalarType.BFloat16, checkpointing: false);
        Assert.NotEqual(fp32Loss, bf16Loss);                                      // bf16 really computed…
        Assert.InRange(Math.Abs(bf16Loss - fp32Loss) / fp32Loss, 0, 0.02);        // …and stays close
        Assert.All(bf16.Values, grad => Assert.Equal(ScalarType.Float32, grad.dtype));
        var a = cat(fp32.Values.Select(t => t.flatten()).ToArray());
        var b = cat(bf16.Values.Select(t => t.flatten()).ToArray());
        double cosine = (a * b).sum().item<float>() / (a.norm().item<float>() * b.norm().item<float>());
        Assert.True(cosine > 0.99, $"bf16 gradients point elsewhere (cosine {cosine:0.0000})");

        // Checkpointed blocks recompute in backward — after the scope closed — yet in bf16, as their forward did.
        var (ckptLoss, ckpt) = Step(dit, ScalarType.BFloat16, checkpointing: true);
        Assert.Equal(bf16Loss, ckptLoss);
        const string lastBlock = "single_blocks.1.linear2.weight"; // its gradient sees only recomputed activations
        Assert.True(allclose(bf16[lastBlock], ckpt[lastBlock], 1e-6, 1e-8), "recomputation ran in another precision");
    }
}
