using System.Diagnostics;
using T2I.Core.Checkpoints;
using T2I.Core.Metrics;
using T2I.Training.Loop;

namespace T2I.Training.Tests.Loop;

/// <summary>An uninterrupted `training launch toy-regression` run, shared by the process tests.</summary>
public sealed class ReferenceRun : IDisposable
{
    public ReferenceRun()
    {
        var (code, _, err) = TrainingProcess.Run(TrainingProcess.Launch(Dir.Path));
        Assert.True(code == 0, err);
    }

    public TempDir Dir { get; } = new();
    public void Dispose() => Dir.Dispose();
}

/// <summary>Starts the real `training` executable (the built training.dll next to the tests) via `dotnet exec`.</summary>
public static class TrainingProcess
{
    public const long Steps = 120;

    /// <summary>The smoke preset, shortened; a delay per step (no effect on the numbers) makes it killable mid-run.</summary>
    public static string[] LaunchArgs(string runDir, int delayMs = 0) =>
        ["launch", "toy-regression", "--run-dir", runDir, "--device", "cpu",
         "--set", $"steps={Steps}", "--set", "checkpoint_every=20", "--set", "eval_every=40", "--set", $"step_delay_ms={delayMs}"];

    public static Process Launch(string runDir, int delayMs = 0) => Start(LaunchArgs(runDir, delayMs));

    /// <summary>`training ARGS` as a child process, its output collected for <see cref="Run"/>.</summary>
    public static Process Start(IEnumerable<string> args)
    {
        // A process started from a background job of a non-interactive shell (`.ci/run &`, a harness running
        // `dotnet test … &`) inherits SIGINT as ignored, the runtime keeps it ignored (POSIX), and Process.Start
        // passes that on: `kill -INT` would then do nothing and the run would finish. GNU env restores the default.
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "training.dll"));
        foreach (string a in args) psi.ArgumentList.Add(a);
        var p = new Process { StartInfo = psi };
        var stdout = new System.Text.StringBuilder();
        var stderr = new System.Text.StringBuilder();
        p.OutputDataReceived += (_, e) => { lock (stdout) stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        Output[p.Id] = (stdout, stderr);
        return p;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, (System.Text.StringBuilder Out, System.Text.StringBuilder Err)> Output = new();

    public static (int Code, string Out, string Err) Run(Process p, int timeoutMs = 120_000)
    {
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("training process did not finish in time");
        }
        p.WaitForExit();   // drains the redirected streams
        var (o, e) = Output[p.Id];
        return (p.ExitCode, o.ToString(), e.ToString());
    }

    /// <summary>Waits until the run folder holds a complete checkpoint.</summary>
    public static CheckpointFolder WaitForCheckpoint(Process p, string runDir, int timeoutMs = 120_000)
    {
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < timeoutMs)
        {
            if (CheckpointFolder.Latest(CheckpointFolder.CheckpointsDir(runDir)) is { } cp) return cp;
            if (p.HasExited) throw new InvalidOperationException($"training exited ({p.ExitCode}) before its first checkpoint: {Output[p.Id].Err}");
            Thread.Sleep(20);
        }
        throw new TimeoutException("no checkpoint appeared");
    }

    /// <summary>What the process wrote to stderr so far.</summary>
    public static string ErrorOf(Process p) => Output[p.Id].Err.ToString();

    public static void AssertSameRun(string expectedRun, string actualRun)
    {
        Assert.Equal(Steps, CheckpointFolder.Open(actualRun).Step);
        RunAssert.SameRun(expectedRun, actualRun);
    }
}

public class KillResumeProcessTests(ReferenceRun reference) : IClassFixture<ReferenceRun>
{
    [Fact]
    public void KillNineAfterTheFirstCheckpointThenRelaunchEqualsTheUninterruptedRun()
    {
        using var tmp = new TempDir();
        var victim = TrainingProcess.Launch(tmp.Path, delayMs: 25);
        var first = TrainingProcess.WaitForCheckpoint(victim, tmp.Path);
        victim.Kill();   // SIGKILL: no handler runs, no final checkpoint
        victim.WaitForExit();
        Assert.NotEqual(0, victim.ExitCode);
        long reached = MetricsLog.Read(Path.Combine(tmp.Path, TrainingLoop.MetricsFile)).Max(r => r.Step);
        Assert.InRange(first.Step, 20, TrainingProcess.Steps - 1);
        Assert.True(reached < TrainingProcess.Steps, $"the process finished ({reached} steps) before it was killed");

        var (code, stdout, stderr) = TrainingProcess.Run(TrainingProcess.Launch(tmp.Path, delayMs: 25));
        Assert.True(code == 0, stderr);
        Assert.Contains("Resuming toy-regression", stderr);
        Assert.Contains($"reached step {TrainingProcess.Steps}", stdout);
        TrainingProcess.AssertSameRun(reference.Dir.Path, tmp.Path);
    }

    [Fact]
    public void CtrlCWritesACheckpointAndExitsCleanlyThenResumes()
    {
        using var tmp = new TempDir();
        // 100 ms steps leave ~10 s between the first checkpoint and the end for the signal to land, even when
        // other test assemblies load the machine; an on-time interrupt stops the run early, so this costs nothing.
        var run = TrainingProcess.Launch(tmp.Path, delayMs: 100);
        TrainingProcess.WaitForCheckpoint(run, tmp.Path);
        Assert.False(SignalState.Ignored(run.Id, SignalState.SigInt), "the training process ignores SIGINT: Ctrl+C cannot reach it");
        using (var kill = Process.Start("kill", ["-INT", run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
        var (code, stdout, stderr) = TrainingProcess.Run(run);
        Assert.True(code == 0, stderr);
        Assert.Contains("Interrupted at step", stdout);
        var stopped = CheckpointFolder.Open(tmp.Path);
        Assert.InRange(stopped.Step, 20, TrainingProcess.Steps - 1);
        // The interrupt checkpoint is at the step reached, not just the last periodic one.
        Assert.Equal(stopped.Step, MetricsLog.Read(Path.Combine(tmp.Path, TrainingLoop.MetricsFile)).Max(r => r.Step));

        var (again, _, err2) = TrainingProcess.Run(TrainingProcess.Launch(tmp.Path));
        Assert.True(again == 0, err2);
        TrainingProcess.AssertSameRun(reference.Dir.Path, tmp.Path);
    }

    [Fact]
    public void DryRunPrintsThePlanAndUnknownKeysFail()
    {
        using var tmp = new TempDir();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "training.dll"), "launch", "toy-regression", "--dry-run", "--set", "lr=0.2", "--run-dir", tmp.Path })
            psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            Assert.Contains("Parameters:", output);
            Assert.Contains("68 (68; trainable 68)", output);   // 16×4 weights + 4 biases
            Assert.Contains("Memory estimate:", output);
            Assert.Contains("\"lr\": 0.2", output);
        }
        Assert.False(Directory.Exists(CheckpointFolder.CheckpointsDir(tmp.Path)));   // a dry run trains nothing

        psi.ArgumentList[^3] = "nonsense=1";
        using var bad = Process.Start(psi)!;
        string err = bad.StandardError.ReadToEnd();
        bad.WaitForExit();
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("has no such setting", err);
    }
}

/// <summary>A process's signal dispositions, from /proc (Linux).</summary>
public static class SignalState
{
    public const int SigInt = 2;

    /// <summary>Whether <paramref name="signal"/> is set to SIG_IGN in process <paramref name="pid"/> (the SigIgn mask).</summary>
    public static bool Ignored(int pid, int signal)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        ulong mask = Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
        return (mask & (1UL << (signal - 1))) != 0;
    }
}
