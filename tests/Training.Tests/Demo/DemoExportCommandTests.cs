using T2I.Core.Checkpoints;
using T2I.Core.Inference;
using T2I.Training.Dit;
using T2I.Training.Loop;
using T2I.Training.Tests.Dit;
using T2I.Training.Tests.Loop;

namespace T2I.Training.Tests.Demo;

/// <summary><c>training demo export</c>: a DiT run becomes a model folder the web app loads; bad input is refused cleanly.</summary>
[Collection(GlobalTorchState.Name)]
public class DemoExportCommandTests
{
    [Fact]
    public async Task ExportsOneCheckpointAsALoadableModelAndRefusesWhatItCannotWrite()
    {
        using var tmp = new TempDir();
        var preset = (Preset<DitTrainConfig>)DitTrainingTests.Tiny(DitTestData.WriteShards(tmp.Sub("data")), 20);
        Assert.True(TrainingLoop.Run(preset, new RunOptions(tmp.Sub("run")) { Device = "cpu", WritePlots = false, Log = _ => { } }).Completed);
        string first = Path.Combine(CheckpointFolder.CheckpointsDir(tmp.Sub("run")), "step-00000010");
        string model = tmp.Sub("models/t2i-x");

        var (code, output, error) = await TrainingCli.Invoke("demo", "export", first, "--model", model);
        Assert.True(code == 0, error);
        Assert.Contains("step-00000010", output);
        Assert.Equal(10, CheckpointFolder.Open(model).Step); // the checkpoint asked for, not the run's latest (20)
        Assert.True(File.Exists(Path.Combine(model, "preset.json")));
        Assert.False(File.Exists(Path.Combine(model, CheckpointFolder.OptimizerFile)));
        TensorAssert.SameFile(Path.Combine(first, CheckpointFolder.EmaFile), Path.Combine(model, CheckpointFolder.ModelFile));
        Assert.Equal(64, T2IPipeline.FromCheckpoint(model).BaseResolution);

        // Over the size limit: refused, and the model already there is kept.
        (code, _, error) = await TrainingCli.Invoke("demo", "export", tmp.Sub("run"), "--model", model, "--max-mb", "0.01");
        Assert.Equal(2, code);
        Assert.Contains("limit", error);
        Assert.Equal(10, CheckpointFolder.Open(model).Step);

        (code, _, error) = await TrainingCli.Invoke("demo", "export", tmp.Sub("missing"), "--model", model);
        Assert.Equal(2, code);
        Assert.Contains("No complete checkpoint", error);
    }
}
