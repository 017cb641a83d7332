using T2I.Training.Dit;
using T2I.Training.Loop;

namespace T2I.EndToEnd.Tests;

/// <summary>The shared start of the frozen-text-encoder model tests: three CPU steps of a DiT preset in a temp folder.</summary>
public abstract class FrozenTextRun : IDisposable
{
    protected readonly string root = Directory.CreateTempSubdirectory("t2i-frozen-text-").FullName;

    public void Dispose()
    {
        Directory.Delete(root, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected string Sub(string name) => Directory.CreateDirectory(Path.Combine(root, name)).FullName;

    /// <summary>Three steps of batch 8 without evaluation; every loss finite and positive, the run complete.</summary>
    protected static void TrainThreeSteps(Preset<DitTrainConfig> preset, string runDir)
    {
        var tiny = preset with
        {
            Loop = preset.Loop with { Steps = 3, BatchSize = 8, WarmupSteps = 1, EvalEvery = 0, CheckpointEvery = 3, Threads = 1 },
        };
        var losses = new List<double>();
        var result = TrainingLoop.Run(tiny, new RunOptions(runDir)
        {
            Device = "cpu", WritePlots = false, Log = _ => { }, OnStep = (_, m) => losses.Add(m["loss"]),
        });
        Assert.True(result.Completed);
        Assert.Equal(3, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l) && l > 0));
    }
}
