using System.Diagnostics;
using T2I.Core.Checkpoints;
using T2I.Core.Metrics;
using T2I.Training.Loop;
using T2I.Training.Presets;
using T2I.Training.Tests.Loop;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Distributed;

/// <summary>
/// Data parallelism end to end: real `training launch toy-regression --nproc 2` runs (mpirun, two CPU ranks on loopback)
/// against single-process runs of the same loop.
/// </summary>
public class DataParallelTests
{
    private const int Steps = 30, MicroBatch = 8;

    /// <summary>fp32 summation order differs (two half-batch means averaged vs one mean); measured 1.2e-7 (an ulp
    /// or two) after 30 steps; one rank alone on half the data ends 0.29 away.</summary>
    private const double Tolerance = 1e-5;

    private static string[] Settings(int batch, int accumulation, long steps = Steps) =>
        ["--set", $"steps={steps}", "--set", $"batch_size={batch}", "--set", $"grad_accum={accumulation}", "--set", "noise=0",
         "--set", "checkpoint_every=1000", "--set", "eval_every=0"];

    private static string[] Launch(string runDir, int nproc, params string[] settings) =>
        ["launch", "toy-regression", "--nproc", nproc.ToString(System.Globalization.CultureInfo.InvariantCulture), "--run-dir", runDir,
         "--device", "cpu", .. settings];

    private static void TrainHere(string runDir, int batch, int accumulation)
    {
        var sets = Settings(batch, accumulation).Where((_, i) => i % 2 == 1).ToArray();
        var preset = PresetOverrides.Resolve("toy-regression", sets, null);
        var result = TrainingLoop.Run(preset, new RunOptions(runDir) { Device = "cpu", Log = _ => { }, WritePlots = false });
        Assert.True(result.Completed);
    }

    private static double MaxDifference(string runA, string runB)
    {
        var a = SafeTensors.Load(CheckpointFolder.Open(runA).File(CheckpointFolder.ModelFile));
        var b = SafeTensors.Load(CheckpointFolder.Open(runB).File(CheckpointFolder.ModelFile));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        return a.Keys.Max(k => (a[k] - b[k]).abs().max().item<float>());
    }

    [Fact]
    public void TwoRanksEqualOneRankWithTheDoubleBatchAndOneRankWithAccumulation()
    {
        using var tmp = new TempDir();
        using (var run = new MpiRun(Launch(tmp.Sub("ranks"), 2, Settings(MicroBatch, 1))))
        {
            var (code, stdout, stderr) = run.Wait(TimeSpan.FromMinutes(2));
            Assert.True(code == 0, stderr);
            Assert.Contains("global batch micro-batch 8 × grad_accum 1 × 2 ranks = 16", stdout);
        }
        TrainHere(tmp.Sub("double"), 2 * MicroBatch, 1);
        TrainHere(tmp.Sub("accum"), 2 * MicroBatch, 2);
        TrainHere(tmp.Sub("single"), MicroBatch, 1);

        Assert.InRange(MaxDifference(tmp.Sub("ranks"), tmp.Sub("double")), 0, Tolerance);
        Assert.InRange(MaxDifference(tmp.Sub("accum"), tmp.Sub("double")), 0, Tolerance);
        // The comparison can fail: one rank alone (half the data) ends somewhere else.
        Assert.True(MaxDifference(tmp.Sub("ranks"), tmp.Sub("single")) > 100 * Tolerance);
        var ranks = CheckpointFolder.Open(tmp.Sub("ranks")).ReadConfig().Ranks;
        Assert.Equal(2, ranks?.Count);
    }

    [Fact]
    public async Task DryRunPrintsTheGlobalBatch()
    {
        var (code, stdout, _) = await TrainingCli.Invoke("launch", "toy-regression", "--dry-run", "--nproc", "2", "--set", "batch_size=8",
            "--set", "grad_accum=2");
        Assert.Equal(0, code);
        Assert.Contains("Global batch: micro-batch 4 × grad_accum 2 × 2 ranks = 16", stdout);
    }

    /// <summary>Gone, or a zombie waiting for its parent to reap it (it runs no code).</summary>
    private static bool Ended(int pid)
    {
        try { return File.ReadLines($"/proc/{pid}/status").Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains('Z')); }
        catch (IOException) { return true; }
    }

    [Fact]
    public void KillNineOfOneRankEndsEveryRankAndTheRelaunchEqualsTheUninterruptedRun()
    {
        using var tmp = new TempDir();
        string[] settings = ["--set", "steps=40", "--set", "checkpoint_every=10", "--set", "eval_every=0"];
        using (var reference = new MpiRun(Launch(tmp.Sub("reference"), 2, settings)))
        {
            var (code, _, stderr) = reference.Wait(TimeSpan.FromMinutes(2));
            Assert.True(code == 0, stderr);
        }

        string victimDir = tmp.Sub("victim");
        using (var victim = new MpiRun(Launch(victimDir, 2, [.. settings, "--set", "step_delay_ms=30"])))
        {
            var clock = Stopwatch.StartNew();
            while (CheckpointFolder.Latest(CheckpointFolder.CheckpointsDir(victimDir)) is null)
            {
                Assert.False(victim.Process.HasExited, $"ended before its first checkpoint: {victim.Err}");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "no checkpoint within a minute");
                Thread.Sleep(20);
            }
            var pids = MpiRun.Ranks(victimDir);
            Assert.Equal([0, 1], pids.Keys.Order());
            Process.GetProcessById(pids[1]).Kill();   // SIGKILL: rank 0 is left waiting in an all-reduce
            var killed = Stopwatch.StartNew();
            var (code, _, _) = victim.Wait(TimeSpan.FromSeconds(60));
            Assert.NotEqual(0, code);
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(30), $"the job took {killed.Elapsed} to end after the kill");
            // mpirun TERMs then KILLs the survivors; it may exit before the kernel has reaped them.
            while (!Ended(pids[0]) && killed.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(50);
            Assert.True(Ended(pids[0]), $"rank 0 still runs {killed.Elapsed} after the kill");
        }
        long reached = MetricsLog.Read(Path.Combine(victimDir, TrainingLoop.MetricsFile)).Max(r => r.Step);
        Assert.True(reached < 40, $"the run finished ({reached} steps) before the kill");

        using (var relaunch = new MpiRun(Launch(victimDir, 2, settings)))
        {
            var (code, _, stderr) = relaunch.Wait(TimeSpan.FromMinutes(2));
            Assert.True(code == 0, stderr);
            Assert.Contains("Resuming toy-regression", stderr);
        }
        RunAssert.SameRun(tmp.Sub("reference"), victimDir);
        Assert.Equal(CheckpointFolder.Open(tmp.Sub("reference")).ReadConfig().Ranks?.ToJsonString(),
            CheckpointFolder.Open(victimDir).ReadConfig().Ranks?.ToJsonString());
    }
}
