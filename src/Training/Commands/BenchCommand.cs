using T2I.Core;
using System.CommandLine;
using System.Globalization;
using T2I.Training.Loop;
using T2I.Training.Presets;

namespace T2I.Training.Commands;

/// <summary><c>training bench PRESET</c>: time real training steps and compare with a GEMM of the same run.</summary>
public static class BenchCommand
{
    public static Command Build()
    {
        var preset = new Argument<string>("preset") { Description = "Preset name (usually a tiny one)." };
        var steps = new Option<int>("--steps") { Description = "Timed steps.", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first.", DefaultValueFactory = _ => 3 };
        var gemm = new Option<int>("--gemm-size") { Description = "n of the reference n×n×n GEMM.", DefaultValueFactory = _ => 1024 };
        var gemmDtype = new Option<string>("--gemm-dtype")
        {
            Description = "dtype of the reference GEMM: fp32, or bf16 for the MFU of a bf16 step on a GPU.",
            DefaultValueFactory = _ => "fp32",
        };
        var set = new Option<string[]>("--set")
        {
            Description = "Override preset values as in `launch`.",
            AllowMultipleArgumentsPerToken = true
        };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | cuda:N.", DefaultValueFactory = _ => "auto" };
        var command = new Command("bench",
            "Benchmark a preset's training step: time per step, samples/s, FLOP/s vs. a same-run fp32 GEMM. Writes nothing.")
        {
            preset, steps, warmup, gemm, gemmDtype, set, device,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            Preset resolved;
            try { resolved = PresetOverrides.Resolve(parse.GetRequiredValue(preset), parse.GetValue(set) ?? [], null); }
            catch (Exception e) when (e is KeyNotFoundException or ArgumentException)
            {
                parse.InvocationConfiguration.Error.WriteLine(e.Message);
                return LaunchCommand.ExitUsage;
            }
            var r = StepBenchmark.Run(resolved, parse.GetValue(device) ?? "auto", parse.GetValue(warmup), parse.GetValue(steps),
                parse.GetValue(gemm), parse.GetValue(gemmDtype) ?? "fp32");
            foreach (string line in Describe(resolved.Name, r)) output.WriteLine(line);
            return 0;
        });
        return command;
    }

    public static IEnumerable<string> Describe(string preset, BenchmarkResult r)
    {
        var c = CultureInfo.InvariantCulture;
        yield return $"preset {preset} on {r.Device}, {r.Threads} threads, batch {r.BatchSize}, {r.Steps} timed steps, " +
                     $"{TorchRuntime.BuildConfiguration} build";
        yield return string.Format(c, "step: {0:0.###} ms  ({1:0.##} steps/s, {2:0.#} samples/s)  [{3}]",
            r.SecondsPerStep * 1e3, r.StepsPerSecond, r.SamplesPerSecond, TorchRuntime.BuildNote);
        yield return string.Format(c, "{0} GEMM {1}³: {2:0.0} GFLOP/s", r.GemmDtype, r.GemmSize, r.GemmFlops / 1e9);
        yield return r.AchievedFlops is { } f
            ? string.Format(c, "training: {0:0.###} GFLOP/step → {1:0.00} GFLOP/s = {2:0.000} × GEMM",
                r.FlopsPerStep!.Value / 1e9, f / 1e9, r.GemmRatio)
            : "training FLOP/s: the preset's plan gives no FLOPs per step";
    }
}
