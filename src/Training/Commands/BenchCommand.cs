using T2I.Core;
using System.CommandLine;
using System.Globalization;
using T2I.Training.Dit;
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
        var scales = new Option<string>("--data-scales")
        {
            Description = "DiT presets with latent_shards: benchmark on the shards repeated this many times each (e.g. 1,10,100), " +
                "printing samples/s and peak resident memory per scale.",
        };
        var command = new Command("bench",
            "Benchmark a preset's training step: time per step, samples/s, FLOP/s vs. a same-run fp32 GEMM. Writes nothing.")
        {
            preset, steps, warmup, gemm, gemmDtype, set, device, scales,
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
            var error = parse.InvocationConfiguration.Error;
            if (TorchRuntime.BuildConfiguration == "Debug") error.WriteLine($"warning: {TorchRuntime.BuildNote}");
            string dev = parse.GetValue(device) ?? "auto", dtype = parse.GetValue(gemmDtype) ?? "fp32";
            if (parse.GetValue(scales) is { Length: > 0 } list)
            {
                if (resolved is not Preset<DitTrainConfig> dit || !TryParseScales(list, out var factors))
                {
                    error.WriteLine("--data-scales takes whole numbers ≥ 1 (e.g. 1,10,100) and a DiT preset.");
                    return LaunchCommand.ExitUsage;
                }
                try
                {
                    foreach (var s in DataScaleBenchmark.Run(dit, factors, dev, parse.GetValue(warmup), parse.GetValue(steps),
                        parse.GetValue(gemm), dtype))
                        foreach (string line in DescribeScale(resolved.Name, s)) output.WriteLine(line);
                }
                catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException)
                {
                    error.WriteLine($"bench: {e.Message}");
                    return LaunchCommand.ExitUsage;
                }
                return 0;
            }
            var r = StepBenchmark.Run(resolved, dev, parse.GetValue(warmup), parse.GetValue(steps), parse.GetValue(gemm), dtype);
            foreach (string line in Describe(resolved.Name, r)) output.WriteLine(line);
            output.WriteLine($"peak resident memory: {ResidentMemory.PeakBytes() / 1048576.0:0} MiB (the whole process)");
            return 0;
        });
        return command;
    }

    private static bool TryParseScales(string list, out int[] scales)
    {
        var parts = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        scales = parts.Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 0).ToArray();
        return scales.Length > 0 && scales.All(n => n >= 1);
    }

    public static IEnumerable<string> DescribeScale(string preset, DataScaleResult s)
    {
        var c = CultureInfo.InvariantCulture;
        yield return string.Format(c, "data ×{0}: {1:N0} rows; peak resident memory {2:0} MiB ({3:+0;-0} MiB over the {4:0} MiB at its " +
            "start{5})", s.Scale, s.Rows, s.PeakBytes / 1048576.0, (s.PeakBytes - s.StartBytes) / 1048576.0, s.StartBytes / 1048576.0,
            s.PeakWasReset ? "" : "; peak not resettable here: the process's peak so far");
        foreach (string line in Describe(preset, s.Step)) yield return "  " + line;
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
