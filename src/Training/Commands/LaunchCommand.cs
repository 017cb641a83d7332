using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using T2I.Core;
using T2I.Core.Distributed;
using T2I.Cli;
using T2I.Training.Loop;
using T2I.Training.Presets;

namespace T2I.Training.Commands;

/// <summary><c>training launch PRESET</c>: resolve the preset and overrides, print or check the plan, run the loop.</summary>
public static class LaunchCommand
{
    public const int ExitUsage = 2, ExitMemory = 3;

    public static Command Build()
    {
        var preset = new Argument<string>("preset") { Description = "Preset name (see `training presets`)." };
        var runDir = new Option<string?>("--run-dir")
        {
            Description = "Run folder (checkpoints, metrics.jsonl, plots). Default: " +
            "runs/<preset>. An existing run resumes from its latest checkpoint."
        };
        var steps = new Option<long?>("--steps") { Description = "Total steps (same as --set steps=N)." };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a preset value: --set lr=3e-4 --set config.depth=4 (keys: `training presets PRESET`).",
            AllowMultipleArgumentsPerToken = true,
        };
        var device = new Option<string>("--device") { Description = "auto | cpu | cuda | cuda:N.", DefaultValueFactory = _ => "auto" };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Print the plan (parameters, memory estimate, steps, data) and " +
            "exit without allocating."
        };
        var nproc = new Option<int>("--nproc")
        {
            Description = "Data-parallel ranks on this machine, started through mpirun (needs Open MPI). Across machines, run " +
                "this command under mpirun -np N --hostfile … or as a Kubernetes indexed Job instead (see infra/TRAINING-AT-SCALE.md).",
            DefaultValueFactory = _ => 1,
        };
        var command = new Command("launch",
            "Train a preset; resumes automatically from the run folder's latest checkpoint. Ctrl+C writes a checkpoint and exits.")
        {
            preset, runDir, steps, set, device, dryRun, nproc,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            Preset resolved;
            try
            {
                resolved = PresetOverrides.Resolve(parse.GetRequiredValue(preset), parse.GetValue(set) ?? [], parse.GetValue(steps));
            }
            catch (Exception e) when (e is KeyNotFoundException or ArgumentException)
            {
                error.WriteLine(e.Message);
                return ExitUsage;
            }
            string dir = parse.GetValue(runDir) ?? Path.Combine("runs", resolved.Name);
            string deviceName = parse.GetValue(device) ?? "auto";
            int ranks = parse.GetValue(nproc);
            RankEnvironment env;
            try { env = RankEnvironment.FromEnvironment(); }
            catch (ArgumentException e)
            {
                error.WriteLine(e.Message);
                return ExitUsage;
            }
            if (ranks < 1)
            {
                error.WriteLine($"--nproc {ranks}: must be at least 1.");
                return ExitUsage;
            }
            if (parse.GetValue(dryRun))
            {
                PlanPrinter.Print(resolved, deviceName, dir, output, env.WorldSize > 1 ? env.WorldSize : ranks);
                return 0;
            }
            if (ranks > 1 && !env.UnderMpirun)
            {
                // Same command, minus --nproc, once per rank; mpirun sets OMPI_COMM_WORLD_* so each copy knows its rank.
                var again = LocalMpirun.CurrentProgram();
                again.AddRange(["launch", resolved.Name, "--run-dir", Path.GetFullPath(dir), "--device", deviceName]);
                foreach (string s in parse.GetValue(set) ?? []) again.AddRange(["--set", s]);
                if (parse.GetValue(steps) is { } n) again.AddRange(["--steps", n.ToString(CultureInfo.InvariantCulture)]);
                var mpirun = new LocalMpirun(ranks);
                output.WriteLine($"Starting {ranks} ranks: {LocalMpirun.Program} {string.Join(' ', mpirun.Arguments(again))}");
                return mpirun.Run(again, cancel);
            }
            return await RankRun.Run(resolved, dir, deviceName, env, output, error, cancel);
        });
        return command;
    }

    internal static async Task<int> Run(Preset preset, string runDir, string device, ICollective collective, TextWriter output,
        TextWriter error, CancellationToken cancel)
    {
        // SIGTERM (kill, container stop) gets the same treatment as Ctrl+C: finish the step, checkpoint, exit 0.
        // A second signal while the checkpoint is being written falls through to the default: the process ends.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        void OnSignal(PosixSignalContext c)
        {
            if (stop.IsCancellationRequested) return;
            c.Cancel = true;
            error.WriteLine($"{c.Signal}: finishing the current step and writing a checkpoint (send it again to quit at once).");
            stop.Cancel();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        // The runtime keeps an inherited SIG_IGN for SIGINT (POSIX background jobs), so the handler above never runs.
        if (SigIntInheritedAsIgnored())
            error.WriteLine("warning: this process ignores SIGINT (inherited, e.g. started with `&` from a script): Ctrl+C and " +
                            "kill -INT will not stop it; SIGTERM still checkpoints and exits.");
        try
        {
            var plan = preset.Plan();
            if (collective.WorldSize > 1)
                output.WriteLine($"Rank {collective.Rank} of {collective.WorldSize} ({collective.Backend}); global batch " +
                    $"{GlobalBatch.Describe(preset.Loop.BatchSize, plan.Accumulation, collective.WorldSize)}");
            output.WriteLine($"{preset.Name}: {MemoryEstimate.FormatCount(plan.TotalParameters)} parameters " +
                $"({MemoryEstimate.FormatCount(plan.TrainableParameters)} trainable), " +
                             $"estimated {MemoryEstimate.Format(plan.EstimatedBytes)}, {preset.Loop.Steps:N0} steps × batch " +
                                 $"{preset.Loop.BatchSize} → {Path.GetFullPath(runDir)}");
            var result = await ConsoleProgress.RunAsync($"train {preset.Name}", progress => Task.Run(() =>
                TrainingLoop.Run(preset, new RunOptions(runDir)
                {
                    Device = device, Progress = collective.Rank == 0 ? progress : null, Log = error.WriteLine, Collective = collective,
                }, stop.Token)));
            output.WriteLine(result.Completed
                ? $"Done: {preset.Name} reached step {result.Step}. Checkpoint: {result.LastCheckpoint?.Path}"
                : $"Interrupted at step {result.Step}. Checkpoint: {result.LastCheckpoint?.Path}");
            output.WriteLine($"Metrics: {Path.Combine(Path.GetFullPath(runDir), TrainingLoop.MetricsFile)}; plots: " +
                $"{Path.Combine(Path.GetFullPath(runDir), TrainingLoop.PlotsDir)}");
            return 0;
        }
        catch (InsufficientDeviceMemoryException e)
        {
            error.WriteLine(e.Message);
            return ExitMemory;
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidDataException or FileNotFoundException
            or DirectoryNotFoundException or T2I.Core.Checkpoints.WeightLoadException)
        {
            error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>SIGINT's bit in /proc/self/status SigIgn (Linux; elsewhere false).</summary>
    private static bool SigIntInheritedAsIgnored()
    {
        if (!OperatingSystem.IsLinux()) return false;
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 0x2) != 0;
    }
}

/// <summary>The dry-run plan: the preset, parameter counts, memory estimate against the device, stage lines.</summary>
public static class PlanPrinter
{
    public static void Print(Preset preset, string deviceName, string runDir, TextWriter output, int ranks = 1)
    {
        var plan = preset.Plan();
        var loop = preset.Loop;
        output.WriteLine($"Preset {preset.Name} (trainer {preset.Trainer}) — {preset.Description}");
        output.WriteLine($"Run folder: {Path.GetFullPath(runDir)}");
        output.WriteLine("Parameters:");
        foreach (var p in plan.Parameters)
            output.WriteLine($"  {p.Module,-32} {MemoryEstimate.FormatCount(p.Total),10} ({p.Total:N0}; trainable {p.Trainable:N0})");
        output.WriteLine($"  {"total",-32} {MemoryEstimate.FormatCount(plan.TotalParameters),10} ({plan.TotalParameters:N0}; " +
            $"trainable {plan.TrainableParameters:N0})");
        output.WriteLine($"Steps: {loop.Steps:N0} × batch {loop.BatchSize} ; lr {loop.Lr:G4}, warmup {loop.WarmupSteps:N0}, " +
            $"schedule {loop.Schedule}, grad clip {loop.GradClip:G4}, EMA " +
            $"{(loop.EmaDecay > 0 ? loop.EmaDecay.ToString("G4", System.Globalization.CultureInfo.InvariantCulture) : "off")}");
        output.WriteLine($"Checkpoint every {loop.CheckpointEvery:N0} steps (keep {loop.KeepLast}); eval every " +
            $"{(loop.EvalEvery > 0 ? loop.EvalEvery.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "end only")}; " +
            $"seed {loop.Seed}{(loop.InitFrom is null ? "" : $"; init from {loop.InitFrom}")}");
        output.WriteLine($"Global batch: {GlobalBatch.Describe(loop.BatchSize, plan.Accumulation, ranks)}");
        foreach (string line in plan.Lines) output.WriteLine(line);
        string device;
        long? available;
        try
        {
            var d = TorchRuntime.ResolveDevice(deviceName);
            device = d.ToString();
            available = MemoryGuard.AvailableBytes(d);
        }
        catch (InvalidOperationException e)
        {
            device = $"{deviceName} (unavailable: {e.Message})";
            available = null;
        }
        string verdict = available is { } a
            ? plan.EstimatedBytes <= a ? $"fits ({MemoryEstimate.Format(a)} available)"
                : $"DOES NOT FIT ({MemoryEstimate.Format(a)} available): launch would refuse to start"
            : "available memory unknown";
        output.WriteLine($"Memory estimate: {MemoryEstimate.Format(plan.EstimatedBytes)} on {device} — {verdict}");
        output.WriteLine("Preset values (override with --set key=value):");
        output.WriteLine(preset.ToJson());
    }
}
