using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.Diffusion;
using T2I.Core.Dit;
using T2I.Core.Text;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Inference;

/// <summary>Sampler overhead: wall time of a full CFG sampling run vs. steps × one batched (cond + uncond) forward.</summary>
public sealed record SamplingBenchmarkResult(int Steps, int Width, int Height, double ForwardSeconds, double SamplingSeconds)
{
    /// <summary>The goal is ≤ 1.05: the sampler adds (almost) nothing around the model calls.</summary>
    public double Ratio => SamplingSeconds / (Steps * ForwardSeconds);
}

public static class SamplingBenchmark
{
    public static SamplingBenchmarkResult Run(FluxDit dit, ITextEncoder text, int steps = 50, int width = 256, int height = 256,
        Device? device = null, int repeats = 3, ScalarType? precision = null)
    {
        using var pos = text.Encode(new[] { "a red circle" });
        using var neg = text.Encode(new[] { "" });
        using var cond = pos.Concat(neg);
        return Run(dit, cond, steps, width, height, device, repeats, precision);
    }

    /// <summary>
    /// Times sampling on given (cond, uncond) text states — e.g. random ones of T5's width for a DiT whose text encoder is
    /// not at hand; <paramref name="precision"/> opens an <see cref="Autocast"/> scope (bf16 on a GPU) as the pipeline does.
    /// </summary>
    public static SamplingBenchmarkResult Run(FluxDit dit, TextEncoding condUncond, int steps = 50, int width = 256, int height = 256,
        Device? device = null, int repeats = 3, ScalarType? precision = null)
    {
        device ??= CPU;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var autocast = Autocast.Enable(precision);
        dit.eval();
        var cond = condUncond.To(device);
        long h = height / 16, w = width / 16;
        var noise = randn(new long[] { 1, dit.Config.InChannels, h, w }, generator: new Generator(0)).to(device);
        VelocityModel batched = (x, t) => dit.ForwardLatents(x, t, cond.Sequence, cond.Pooled, cond.Mask).to_type(x.dtype);
        var guided = ClassifierFreeGuidance.Wrap(batched, 5.0);
        var grid = TimeGrid.Create(steps, h * w);
        var x2 = cat(new[] { noise, noise });
        var t2 = ScalarSafe.Full(2, 0.5, get_default_dtype(), device);

        void Sync() { if (device.type == DeviceType.CUDA) cuda.synchronize(device); }
        for (int i = 0; i < 2; i++) using (var s = NewDisposeScope()) batched(x2, t2); // warm up allocator and kernels
        double forward = double.MaxValue, sampling = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            Sync();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) using (var s = NewDisposeScope()) batched(x2, t2);
            Sync();
            forward = Math.Min(forward, clock.Elapsed.TotalSeconds / steps);
            clock.Restart();
            using (var s = NewDisposeScope()) new DdimSampler().Sample(guided, noise, grid);
            Sync();
            sampling = Math.Min(sampling, clock.Elapsed.TotalSeconds);
        }
        return new SamplingBenchmarkResult(steps, width, height, forward, sampling);
    }
}
