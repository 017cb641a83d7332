using System.CommandLine;
using T2I.Core.Metrics;
using T2I.Training.Commands;
using T2I.Training.Loop;

namespace T2I.Training.Tests.Loop;

[Collection(GlobalTorchState.Name)]   // `bench` seeds the global generator
public class CommandTests
{
    private static Task<(int Code, string Out, string Err)> Invoke(params string[] args) => TrainingCli.Invoke(args);

    [Fact]
    public async Task PresetsListsTheSmokePresetAndShowsItsKeys()
    {
        var (code, list, _) = await Invoke("presets");
        Assert.Equal(0, code);
        Assert.Contains("toy-regression", list);

        var (one, detail, _) = await Invoke("presets", "toy-regression");
        Assert.Equal(0, one);
        Assert.Contains("\"step_delay_ms\": 0", detail);
        Assert.Contains("loop.checkpoint_every", detail);

        var (bad, _, err) = await Invoke("presets", "nope");
        Assert.Equal(2, bad);
        Assert.Contains("Unknown preset 'nope'", err);
    }

    [Fact]
    public async Task LaunchHelpDocumentsEveryOption()
    {
        var (code, help, _) = await Invoke("launch", "--help");
        Assert.Equal(0, code);
        foreach (string option in new[] { "--run-dir", "--steps", "--set", "--device", "--dry-run" }) Assert.Contains(option, help);
    }

    [Fact]
    public async Task BadOverrideExitsWithUsageCode()
    {
        var (code, _, err) = await Invoke("launch", "toy-regression", "--set", "lr=fast", "--dry-run");
        Assert.Equal(LaunchCommand.ExitUsage, code);
        Assert.Contains("--set lr=fast: expected a number", err);
    }

    [Fact]
    public async Task BenchPrintsStepTimeAndGemmRatio()
    {
        // threads=0 keeps torch's thread count: the bench must not throttle the rest of this test process.
        var (code, output, err) = await Invoke("bench", "toy-regression", "--steps", "3", "--warmup", "1", "--gemm-size", "128", "--set", "threads=0", "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("preset toy-regression on cpu", output);
        Assert.Contains("3 timed steps", output);
        Assert.Matches(@"training: [0-9.]+ GFLOP/step → [0-9.]+ GFLOP/s = [0-9.]+ × GEMM", output);
    }

    [Fact]
    public async Task BenchSaysItsBuildAndWarnsInItsResultLineWhenTheJitDoesNotOptimise()
    {
        var (code, output, err) = await Invoke("bench", "toy-regression", "--steps", "1", "--warmup", "0", "--gemm-size", "16",
            "--set", "threads=0", "--device", "cpu");
        Assert.True(code == 0, err);
        string header = output.Split('\n')[0], result = output.Split('\n').Single(l => l.StartsWith("step:", StringComparison.Ordinal));
        // The test assembly is built like T2I.Core: a Debug test run must see the warning, a Release one must not.
        bool debug = T2I.Core.TorchRuntime.BuildConfiguration == "Debug";
        Assert.EndsWith(debug ? "Debug build" : "Release build", header.TrimEnd());
        Assert.Equal(debug, result.Contains("Debug build: figures not representative; use -c Release", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlotRendersARunsMetrics()
    {
        using var tmp = new TempDir();
        using (var log = MetricsLog.Open(Path.Combine(tmp.Path, TrainingLoop.MetricsFile)))
            for (int s = 1; s <= 10; s++) log.Write(s, new Dictionary<string, double> { ["loss"] = 1.0 / s });
        var (code, output, _) = await Invoke("plot", tmp.Path, "--smoothing", "0");
        Assert.Equal(0, code);
        Assert.EndsWith("loss.png", output.Trim());
        Assert.True(File.Exists(Path.Combine(tmp.Path, TrainingLoop.PlotsDir, "loss.png")));

        var (missing, _, err) = await Invoke("plot", tmp.Sub("none"));
        Assert.Equal(1, missing);
        Assert.Contains("No metrics", err);
    }
}
