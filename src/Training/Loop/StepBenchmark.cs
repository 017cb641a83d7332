using System.Diagnostics;
using T2I.Core;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training.Loop;

/// <summary>Figures from <c>training bench</c>: step time, throughput and FLOP/s against a same-run GEMM.</summary>
public sealed record BenchmarkResult(string Device, int Threads, int BatchSize, int Steps, double SecondsPerStep, double? FlopsPerStep,
    double GemmFlops, int GemmSize)
{
    /// <summary>The reference GEMM's dtype: fp32, or bf16 for a bf16 step on a GPU (the MFU denominator).</summary>
    public string GemmDtype { get; init; } = "fp32";

    public double StepsPerSecond => 1 / SecondsPerStep;
    public double SamplesPerSecond => BatchSize / SecondsPerStep;
    public double? AchievedFlops => FlopsPerStep / SecondsPerStep;
    /// <summary>Achieved training FLOP/s ÷ GEMM FLOP/s measured in the same process (the issues' ≥ 0.5 goal).</summary>
    public double? GemmRatio => AchievedFlops / GemmFlops;
}

/// <summary>
/// Times real training steps of a preset — the trainer's own <c>TrainStep</c>, no checkpoints or metrics — and
/// a GEMM in the same process, so the ratio is independent of how fast this particular machine is.
/// </summary>
public static class StepBenchmark
{
    /// <summary>
    /// Step metric with the FLOPs a step really did (e.g. at its batch's text length); when a trainer reports it, the
    /// benchmark divides by its mean over the timed steps instead of the plan's worst case.
    /// </summary>
    public const string FlopsMetric = "flops";

    public static BenchmarkResult Run(Preset preset, string device, int warmup, int steps, int gemmSize = 1024, string gemmDtype = "fp32")
    {
        var gemmType = Autocast.Parse(gemmDtype) ?? ScalarType.Float32;
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        var loop = preset.Loop;
        var dev = TorchRuntime.ResolveDevice(device);
        var plan = preset.Plan();
        MemoryGuard.EnsureFits(preset.Name, plan.EstimatedBytes, dev);
        if (loop.Threads > 0) TorchRuntime.SetThreads(loop.Threads);
        TorchRuntime.Seed(loop.Seed);
        string scratch = Path.Combine(Path.GetTempPath(), "t2i-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var trainer = preset.CreateTrainer(new TrainerContext(dev, loop, scratch, preset.Name) { Log = _ => { } });
            // Constant LR: the schedule is irrelevant to speed, and warmup's zero LR would make some steps no-ops.
            double reported = 0;
            void Step(long i)
            {
                using var scope = NewDisposeScope();
                var metrics = trainer.TrainStep(new StepContext(i, warmup + steps, 1.0, dev, loop));
                if (i > warmup) reported += metrics.GetValueOrDefault(FlopsMetric);
                trainer.Ema?.Update();
            }
            for (int i = 1; i <= warmup; i++) Step(i);
            Synchronize(dev);
            var clock = Stopwatch.StartNew();
            for (int i = 1; i <= steps; i++) Step(warmup + i);
            Synchronize(dev);
            double perStep = clock.Elapsed.TotalSeconds / steps;
            double? flops = reported > 0 ? reported / steps : plan.FlopsPerStep;
            return new BenchmarkResult(dev.ToString(), get_num_threads(), loop.BatchSize, steps, perStep, flops,
                GemmFlops(dev, gemmSize, gemmType), gemmSize)
            { GemmDtype = gemmDtype };
        }
        finally
        {
            try { if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>FLOP/s of an n×n×n matmul in <paramref name="dtype"/> (default fp32; best of several runs after a warmup).</summary>
    public static double GemmFlops(Device device, int n = 1024, ScalarType dtype = ScalarType.Float32, int repeats = 5)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n, device: device).to_type(dtype);
        var b = randn(n, n, device: device).to_type(dtype);
        a.matmul(b);
        Synchronize(device);
        double best = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            using (a.matmul(b)) Synchronize(device);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best;
    }

    private static void Synchronize(Device device)
    {
        if (device.type == TorchSharp.DeviceType.CUDA) torch.cuda.synchronize(device);
    }
}
