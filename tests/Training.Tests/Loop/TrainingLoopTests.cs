using T2I.Core.Checkpoints;
using T2I.Training.Loop;

namespace T2I.Training.Tests.Loop;

[Collection(GlobalTorchState.Name)]
public class TrainingLoopTests
{
    private static RunOptions Options(string dir, Action<long, IReadOnlyDictionary<string, double>>? onStep = null)
        => new(dir) { Device = "cpu", Log = _ => { }, OnStep = onStep, WritePlots = false };

    [Fact]
    public void TenPlusResumedTenEqualsTwentyStraight()
    {
        using var tmp = new TempDir();
        var preset = ToyMlpFactory.Preset();
        var straight = TrainingLoop.Run(preset, Options(tmp.Sub("straight")));
        Assert.True(straight.Completed);

        var first = TrainingLoop.Run(preset, Options(tmp.Sub("split")) with { StopAtStep = 10 });
        Assert.Equal(10, first.Step);
        Assert.False(first.Completed);
        var second = TrainingLoop.Run(preset, Options(tmp.Sub("split")));
        Assert.Equal(10, second.ResumedFrom);
        Assert.Equal(20, second.Step);

        RunAssert.SameRun(tmp.Sub("straight"), tmp.Sub("split"));
        Assert.Equal(20 + 4, RunAssert.Curve(tmp.Sub("split")).Count);   // 20 train lines + eval at 5, 10, 15, 20
        Assert.Equal(20 * 8, CheckpointFolder.Open(tmp.Sub("split")).ReadConfig().TrainerState!["seen"]!.GetValue<long>());
    }

    [Fact]
    public void CrashAfterACheckpointResumesWithoutDuplicateMetrics()
    {
        using var tmp = new TempDir();
        var preset = ToyMlpFactory.Preset();
        TrainingLoop.Run(preset, Options(tmp.Sub("straight")));

        // A crash at step 15: metrics for 11–15 are on disk but the last checkpoint is step 10.
        Assert.Throws<TimeoutException>(() => TrainingLoop.Run(preset, Options(tmp.Sub("crash"), (step, _) =>
        {
            if (step == 15) throw new TimeoutException("simulated crash");
        })));
        Assert.Equal(10, CheckpointFolder.Open(tmp.Sub("crash")).Step);
        Assert.Contains(RunAssert.Curve(tmp.Sub("crash")), line => line.StartsWith("15:", StringComparison.Ordinal));

        var resumed = TrainingLoop.Run(preset, Options(tmp.Sub("crash")));
        Assert.Equal(10, resumed.ResumedFrom);
        RunAssert.SameRun(tmp.Sub("straight"), tmp.Sub("crash"));
    }

    [Fact]
    public void CancellationCheckpointsTheCurrentStepAndResumesExactly()
    {
        using var tmp = new TempDir();
        var preset = ToyMlpFactory.Preset();
        TrainingLoop.Run(preset, Options(tmp.Sub("straight")));

        using var cts = new CancellationTokenSource();
        var stopped = TrainingLoop.Run(preset, Options(tmp.Sub("cancel"), (step, _) => { if (step == 7) cts.Cancel(); }), cts.Token);
        Assert.False(stopped.Completed);
        Assert.Equal(7, stopped.Step);
        Assert.Equal(7, CheckpointFolder.Open(tmp.Sub("cancel")).Step);

        TrainingLoop.Run(preset, Options(tmp.Sub("cancel")));
        RunAssert.SameRun(tmp.Sub("straight"), tmp.Sub("cancel"));
    }

    [Fact]
    public void EvaluationDoesNotShiftTrainingRandomness()
    {
        using var tmp = new TempDir();
        var preset = ToyMlpFactory.Preset();
        TrainingLoop.Run(preset, Options(tmp.Sub("eval")));
        TrainingLoop.Run(preset with { Loop = preset.Loop with { EvalEvery = 0 } }, Options(tmp.Sub("noeval")));
        TensorAssert.SameFile(CheckpointFolder.Open(tmp.Sub("eval")).File(CheckpointFolder.ModelFile),
                              CheckpointFolder.Open(tmp.Sub("noeval")).File(CheckpointFolder.ModelFile));
    }

    [Fact]
    public void AFailingEvaluationKeepsTheStepsTrainedBeforeIt()
    {
        using var tmp = new TempDir();
        var preset = ToyMlpFactory.Preset(config: new ToyMlpConfig { FailEvalAtStep = 20 }); // last step; checkpoints every 10
        var e = Assert.Throws<InvalidOperationException>(() => TrainingLoop.Run(preset, Options(tmp.Path)));
        Assert.Contains("step 20", e.Message);
        Assert.Equal(20, CheckpointFolder.Latest(CheckpointFolder.CheckpointsDir(tmp.Path))!.Step);
    }

    [Fact]
    public void DifferentSeedsGiveDifferentWeights()
    {
        // Guards the equality tests: the comparison is sensitive enough to see a change of seed.
        using var tmp = new TempDir();
        var preset = ToyMlpFactory.Preset();
        TrainingLoop.Run(preset with { Loop = preset.Loop with { Steps = 3 } }, Options(tmp.Sub("a")));
        TrainingLoop.Run(preset with { Loop = preset.Loop with { Steps = 3, Seed = 12 } }, Options(tmp.Sub("b")));
        Assert.ThrowsAny<Exception>(() => TensorAssert.SameFile(CheckpointFolder.Open(tmp.Sub("a")).File(CheckpointFolder.ModelFile),
                                                                  CheckpointFolder.Open(tmp.Sub("b")).File(CheckpointFolder.ModelFile)));
    }

    [Fact]
    public void CheckpointsArePrunedAndPlotsWritten()
    {
        using var tmp = new TempDir();
        var preset = ToyMlpFactory.Preset();
        TrainingLoop.Run(preset with { Loop = preset.Loop with { CheckpointEvery = 4, KeepLast = 2 } }, Options(tmp.Path) with { WritePlots = true });
        Assert.Equal([16L, 20], CheckpointFolder.List(CheckpointFolder.CheckpointsDir(tmp.Path)).Select(c => c.Step));
        var plots = Directory.GetFiles(tmp.Sub(TrainingLoop.PlotsDir)).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["eval.png", "grad.png", "loss.png", "lr.png"], plots);
        var config = CheckpointFolder.Open(tmp.Path).ReadConfig();
        Assert.Equal("toy-mlp", config.Preset);
        Assert.Equal(16, config.ModelConfig!["hidden"]!.GetValue<int>());
        Assert.True(File.Exists(tmp.Sub(TrainingLoop.PresetFile)));
    }

    [Fact]
    public void ResumingWithNewSettingsSaysWhatChanged()
    {
        using var tmp = new TempDir();
        var preset = ToyMlpFactory.Preset();
        TrainingLoop.Run(preset, Options(tmp.Path) with { StopAtStep = 10 });
        var log = new List<string>();
        var longer = preset with { Loop = preset.Loop with { Steps = 30, Lr = 0.02 } };
        var result = TrainingLoop.Run(longer, Options(tmp.Path) with { Log = log.Add });
        Assert.Equal(30, result.Step);
        Assert.Contains(log, l => l.Contains("steps 20 → 30", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("lr 0.01 → 0.02", StringComparison.Ordinal));
        Assert.DoesNotContain(log, l => l.Contains("batch_size", StringComparison.Ordinal));
    }

    [Fact]
    public void TooLargeEstimateRefusesBeforeAllocating()
    {
        using var tmp = new TempDir();
        var factory = new ToyMlpFactory();
        var preset = ToyMlpFactory.Preset(config: new ToyMlpConfig { ExtraMemoryBytes = 1L << 50 }, factory: factory);
        var e = Assert.Throws<InsufficientDeviceMemoryException>(() => TrainingLoop.Run(preset, Options(tmp.Path)));
        Assert.Contains("1.0 PiB", e.Message.Replace("1024.0 TiB", "1.0 PiB"));
        Assert.Contains("toy-mlp", e.Message);
        Assert.Equal(0, factory.Created);
        Assert.False(Directory.Exists(CheckpointFolder.CheckpointsDir(tmp.Path)));
    }

    [Fact]
    public void ARunFolderOfAnotherPresetIsRefused()
    {
        using var tmp = new TempDir();
        var preset = ToyMlpFactory.Preset();
        TrainingLoop.Run(preset with { Loop = preset.Loop with { Steps = 2 } }, Options(tmp.Path));
        var e = Assert.Throws<InvalidOperationException>(() => TrainingLoop.Run(preset with { Name = "other" }, Options(tmp.Path)));
        Assert.Contains("belongs to preset 'toy-mlp'", e.Message);
    }

    [Fact]
    public void InitFromLoadsThePreviousStageForAFreshRunOnly()
    {
        using var tmp = new TempDir();
        var preset = ToyMlpFactory.Preset();
        TrainingLoop.Run(preset with { Loop = preset.Loop with { Steps = 5 } }, Options(tmp.Sub("stage1")));
        var stage2 = preset with { Name = "toy-mlp-2", Loop = preset.Loop with { Steps = 1, InitFrom = tmp.Sub("stage1"), Lr = 0, EmaDecay = 0 }, Config = preset.Config with { SgdLr = 0 } };
        TrainingLoop.Run(stage2, Options(tmp.Sub("stage2")));
        // lr 0 everywhere (AdamW decay scales with lr): stage 2's weights are stage 1's.
        TensorAssert.SameFile(CheckpointFolder.Open(tmp.Sub("stage1")).File(CheckpointFolder.ModelFile),
                              CheckpointFolder.Open(tmp.Sub("stage2")).File(CheckpointFolder.ModelFile));
    }
}
