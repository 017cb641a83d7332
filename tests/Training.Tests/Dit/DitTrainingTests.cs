using T2I.Core.Checkpoints;
using T2I.Core.Inference;
using T2I.Training.Dit;
using T2I.Training.Loop;
using T2I.Training.Presets;
using T2I.Training.Tests.Loop;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Dit;

[Collection(GlobalTorchState.Name)]
public class DitTrainingTests
{
    /// <summary>t2i-tiny shrunk to 64-px buckets (4×4 latents) and a few dozen steps.</summary>
    private static Preset Tiny(long steps, string? initFrom = null)
    {
        var preset = (Preset<DitTrainConfig>)PresetRegistry.Get("t2i-tiny");
        return preset with
        {
            Loop = preset.Loop with { Steps = steps, BatchSize = 8, WarmupSteps = 5, EvalEvery = 0, CheckpointEvery = 10, Threads = 1, InitFrom = initFrom },
            Config = preset.Config with { Resolution = 64, SyntheticSamples = 48, EvalSteps = 2 },
        };
    }

    private static RunOptions Options(string dir, List<double> losses, long? stopAt = null) => new(dir)
    {
        Device = "cpu", WritePlots = false, StopAtStep = stopAt, Log = _ => { },
        OnStep = (_, m) => losses.Add(m["loss"]),
    };

    [Fact]
    public void PaperPresetsPlanTwoBillionParametersWithoutAllocating()
    {
        var plan = PresetRegistry.Get("t2i-256").Plan();
        Assert.InRange(plan.Parameters.Single(p => p.Module.StartsWith("DiT")).Total, 1_900_000_000L, 2_100_000_000L);
        Assert.Equal(plan.Parameters.Single(p => p.Module.StartsWith("DiT")).Total, plan.TrainableParameters);
        Assert.Contains(plan.Lines, l => l.Contains("bf16 forward at 256 px"));
        var hires = (Preset<DitTrainConfig>)PresetRegistry.Get("t2i-512");
        Assert.Equal(512, hires.Config.Resolution);
        Assert.Equal(90_000, hires.Loop.Steps);
        Assert.Equal(512, hires.Loop.BatchSize);
        Assert.Equal("runs/t2i-256", hires.Loop.InitFrom);
        Assert.True(hires.Plan().EstimatedBytes > plan.EstimatedBytes / 4, "4× the tokens at a quarter of the batch");
    }

    [Fact]
    public void TinyRunLearnsResumesExactlyAndSeedsTheHiresPhase()
    {
        using var tmp = new TempDir();
        var straight = new List<double>();
        var full = TrainingLoop.Run(Tiny(30), Options(tmp.Sub("a"), straight));
        Assert.True(full.Completed);
        Assert.True(straight.Skip(20).Average() < straight.Take(5).Average() * 0.95,
            $"loss did not fall: first {straight.Take(5).Average():0.###}, last {straight.Skip(20).Average():0.###}");

        // interrupted at 17 and resumed: the same losses afterwards (data position, RNG, optimizer restored)
        var first = new List<double>();
        TrainingLoop.Run(Tiny(30), Options(tmp.Sub("b"), first, stopAt: 17));
        var second = new List<double>();
        TrainingLoop.Run(Tiny(30), Options(tmp.Sub("b"), second));
        Assert.Equal(straight.Skip(17), second);
        Assert.True(File.Exists(Path.Combine(tmp.Sub("b"), "latent-cache", Directory.GetFiles(Path.Combine(tmp.Sub("b"), "latent-cache")).Single())));

        // the checkpoint is a usable generator (EMA weights, DCT latents, the run's resolution)
        var pipeline = T2IPipeline.FromCheckpoint(tmp.Sub("a"));
        Assert.Equal(64, pipeline.BaseResolution);
        Assert.StartsWith("t2i-tiny-step30", pipeline.ModelId);
        var png = pipeline.Generate(new GenerationRequest("a red circle", "", 64, 64, 2, 5.0, 1)).Png;
        Assert.Contains("Model: t2i-tiny-step30", PngText.Read(png)["parameters"]);

        // the next phase starts from the previous phase's final weights
        var last = CheckpointFolder.Latest(CheckpointFolder.CheckpointsDir(tmp.Sub("a")))!;
        using var saved = T2IModel.LoadCheckpoint(last, preferEma: false);
        var hires = (Preset<DitTrainConfig>)Tiny(1, initFrom: tmp.Sub("a"));
        hires = hires with { Config = hires.Config with { Resolution = 128 } };
        var ctx = new TrainerContext(CPU, hires.Loop, tmp.Sub("c"), hires.Name) { InitFrom = CheckpointFolder.Open(tmp.Sub("a")), Log = _ => { } };
        using var trainer = hires.CreateTrainer(ctx);
        TensorAssert.SameModule(saved, trainer.Modules["model"]);
    }

    [Fact]
    public void TheJudgeReadsColourAndShapeOfRealRenders()
    {
        var samples = SyntheticShapes.Make(90, 128, seed: 5);
        int ok = 0;
        foreach (var s in samples)
        {
            using var bitmap = SyntheticShapes.Render(s);
            using var image = T2I.Core.Data.ImageTensor.FromBitmap(bitmap);
            if (SyntheticShapes.Judge(image) == (s.Color, s.Shape)) ok++;
        }
        Assert.True(ok >= 81, $"judge right on {ok}/90 real renders");
        using var blank = ones(3, 64, 64);
        Assert.Null(SyntheticShapes.Judge(blank));
    }
}
