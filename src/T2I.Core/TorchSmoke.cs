using System.Security.Cryptography;
using SkiaSharp;
using T2I.Core.Dit;
using T2I.Core.Inference;
using T2I.Core.TorchSharpFixes;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core;

/// <summary>
/// The few operations that prove a libtorch works under TorchSharp: matmul, convolution, backward, SDPA, one optimiser step
/// of a tiny DiT under the flow-matching objective, and a whole sampled image. Every input is seeded, so two processes
/// on the same libtorch binary and thread count report bit-identical figures — how the external backend is checked
/// against the bundled one — and a CPU/GPU pair reports how far apart they land.
/// </summary>
public static class TorchSmoke
{
    /// <summary>Figures of one run; <see cref="Rgb"/> holds the sampled image's pixels (8-bit RGB, row-major).</summary>
    public sealed record Result(string LibTorch, string Device, double MatmulSum, double ConvSum, double GradNorm,
        double AttentionError, double DitLoss, double DitParamSum, string PngSha256, byte[] Rgb)
    {
        /// <summary>Largest per-channel pixel difference to another run's image (0–255).</summary>
        public int MaxPixelDifference(Result other) =>
            Rgb.Length == other.Rgb.Length ? Rgb.Zip(other.Rgb, (a, b) => Math.Abs(a - b)).DefaultIfEmpty(0).Max() : 255;
    }

    public static Result Run(Device device, long seed = 0)
    {
        using var scope = NewDisposeScope();
        var g = new Generator((ulong)seed);
        Tensor Rand(params long[] shape) => randn(shape, generator: g).to(device);

        double matmul = Rand(64, 64).matmul(Rand(64, 64)).sum().to_type(ScalarType.Float64).item<double>();
        double conv = nn.functional.conv2d(Rand(2, 3, 16, 16), Rand(8, 3, 3, 3), padding: new long[] { 1, 1 }).sum()
            .to_type(ScalarType.Float64).item<double>();

        var w = Rand(16, 8).requires_grad_(true);
        Rand(4, 16).matmul(w).tanh().square().mean().backward();
        double gradNorm = w.grad!.norm().to_type(ScalarType.Float64).item<double>();

        // SDPA (fused kernels on CUDA) against softmax(q·kᵀ/√d)·v written out.
        var (q, k, v) = (Rand(2, 4, 16, 32), Rand(2, 4, 16, 32), Rand(2, 4, 16, 32));
        var explicitAttention = softmax(q.matmul(k.transpose(-2, -1)) / Math.Sqrt(32), -1).matmul(v);
        double attention = (nn.functional.scaled_dot_product_attention(q, k, v) - explicitAttention).abs().max()
            .to_type(ScalarType.Float64).item<double>();

        var (loss, paramSum) = DitStep(device, seed);
        var pipeline = T2IPipeline.CreateUntrained(baseResolution: 64, seed: seed, device: device);
        var image = pipeline.Generate(new GenerationRequest("a red circle", Width: 64, Height: 64, Steps: 8, Seed: seed));
        return new Result(TorchRuntime.LibTorchDescription, device.ToString(), matmul, conv, gradNorm, attention, loss, paramSum,
            Convert.ToHexString(SHA256.HashData(image.Png)), Rgb(image.Png));
    }

    private static byte[] Rgb(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png);
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        int i = 0;
        foreach (var c in bitmap.Pixels) { rgb[i++] = c.Red; rgb[i++] = c.Green; rgb[i++] = c.Blue; }
        return rgb;
    }

    /// <summary>
    /// One AdamW step of <see cref="DitConfig.Tiny"/> on v = ε − x₀ at x_t = (1 − t)·x₀ + t·ε: loss, Σθ after.
    /// </summary>
    private static (double Loss, double ParamSum) DitStep(Device device, long seed)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(seed);
        using var dit = new FluxDit(DitConfig.Tiny);
        dit.to(device).train();
        var g = new Generator((ulong)seed + 1);
        Tensor Rand(params long[] shape) => randn(shape, generator: g).to(device);
        var cfg = DitConfig.Tiny;
        var x0 = Rand(2, cfg.InChannels, 4, 4);
        var eps = Rand(2, cfg.InChannels, 4, 4);
        var t = rand(new long[] { 2 }, generator: g).to(device);
        var tt = t.view(-1, 1, 1, 1);
        var xt = (1 - tt) * x0 + tt * eps;
        var v = dit.ForwardLatents(xt, t, Rand(2, 5, cfg.ContextInDim), Rand(2, cfg.VecInDim));
        var loss = nn.functional.mse_loss(v, eps - x0);
        using var optimizer = new SafeAdamW(dit.parameters(), lr: 1e-3);
        loss.backward();
        optimizer.step();
        using var noGrad = no_grad();
        double sum = dit.parameters().Select(p => p.sum().to_type(ScalarType.Float64).item<double>()).Sum();
        return (loss.to_type(ScalarType.Float64).item<double>(), sum);
    }
}
