using T2I.Core.Dit;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Dit;

public class GradientCheckpointTests
{
    /// <summary>Loss and every parameter's gradient of one forward/backward, with or without recomputation.</summary>
    private static (float Loss, Dictionary<string, Tensor> Grads) Step(FluxDit dit, bool checkpointing)
    {
        dit.GradientCheckpointing = checkpointing;
        dit.train();
        dit.zero_grad();
        var g = new Generator(11);
        var latents = randn(new long[] { 2, dit.Config.InChannels, 3, 4 }, generator: g);
        var txt = randn(new long[] { 2, 5, dit.Config.ContextInDim }, generator: g);
        var pooled = randn(new long[] { 2, dit.Config.VecInDim }, generator: g);
        var mask = tensor(new[] { true, true, true, false, false, true, true, true, true, true }).view(2, 5);
        var t = tensor(new[] { 0.3f, 0.8f });
        var loss = dit.ForwardLatents(latents, t, txt, pooled, mask).square().mean();
        loss.backward();
        return (loss.item<float>(), dit.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone()));
    }

    [Fact]
    public void CheckpointedBlocksGiveTheSameLossAndGradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var dit = new FluxDit(DitConfig.Tiny with { Depth = 2, DepthSingleBlocks = 2 });
        using (no_grad())
            foreach (var p in dit.parameters()) p.copy_(randn_like(p) * 0.1); // adaLN-Zero would hide the blocks' gradients

        var (plainLoss, plain) = Step(dit, checkpointing: false);
        var (ckptLoss, ckpt) = Step(dit, checkpointing: true);
        Assert.Equal(plainLoss, ckptLoss, 5);
        foreach (var (name, grad) in plain)
        {
            Assert.True(allclose(grad, ckpt[name], 1e-5, 1e-6), $"gradient of {name} differs with checkpointing");
        }
        Assert.True(plain["double_blocks.0.img_attn.qkv.weight"].abs().sum().item<float>() > 0);
        Assert.True(plain["single_blocks.1.linear1.weight"].abs().sum().item<float>() > 0);
        Assert.True(plain["time_in.in_layer.weight"].abs().sum().item<float>() > 0); // reached through vec, an input of every block

        // Inference is untouched by the flag: no autograd, no recomputation.
        dit.eval();
        using (no_grad())
        {
            var x = randn(1, dit.Config.InChannels, 2, 2);
            var txt = randn(1, 3, dit.Config.ContextInDim);
            var pooled = randn(1, dit.Config.VecInDim);
            var a = dit.ForwardLatents(x, tensor(new[] { 0.5f }), txt, pooled);
            dit.GradientCheckpointing = false;
            Assert.True(allclose(a, dit.ForwardLatents(x, tensor(new[] { 0.5f }), txt, pooled)));
        }
    }
}
