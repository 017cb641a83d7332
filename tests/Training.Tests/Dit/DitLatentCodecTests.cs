using T2I.Core.Checkpoints;
using T2I.Core.Inference;
using T2I.Training.Dit;
using T2I.Training.Loop;
using T2I.Training.Presets;
using T2I.Training.Tests.Loop;

namespace T2I.Training.Tests.Dit;

/// <summary>The DiT on a trained codec's latents: cache keyed by the codec, statistics and weights travel in the checkpoint.</summary>
[Collection(GlobalTorchState.Name)]
public class DitLatentCodecTests
{
    private static Preset Tiny(string latents, long steps = 4)
    {
        var preset = (Preset<DitTrainConfig>)PresetRegistry.Get("t2i-tiny");
        return preset with
        {
            Loop = preset.Loop with { Steps = steps, BatchSize = 8, WarmupSteps = 1, EvalEvery = 0, CheckpointEvery = steps, Threads = 1 },
            Config = preset.Config with { Resolution = 64, SyntheticSamples = 24, EvalSteps = 2, Latents = latents },
        };
    }

    private static RunOptions Options(string dir) => new(dir) { Device = "cpu", WritePlots = false, Log = _ => { } };

    [Fact]
    public void CheckpointCarriesTheCodecAndItsStatisticsAndDecodesAlone()
    {
        using var tmp = new TempDir();
        string tok = DitTestData.WriteTokenizerRun(tmp.Sub("tok"), seed: 1);
        Assert.True(TrainingLoop.Run(Tiny(tok), Options(tmp.Sub("run"))).Completed);

        var folder = CheckpointFolder.Open(tmp.Sub("run"));
        Assert.True(folder.Has(LatentCodecs.WeightsFileName));
        var config = T2IModelConfig.FromJson(folder.ReadConfig().ModelConfig!, folder.Path);
        var codec = config.Codec!;
        Assert.Equal("aligned", codec.Kind);
        Assert.Equal(LatentCodecs.Describe(tok).Identity, codec.Identity);
        Assert.Equal(4, codec.LatentChannels);
        Assert.Equal(4, config.Dit.InChannels);
        Assert.Equal(4, codec.Std.Length);
        Assert.All(codec.Std, s => Assert.True(s > 0 && float.IsFinite(s)));
        Assert.Contains(codec.Mean, m => m != 0f); // real statistics, not the identity

        // The tokenizer folder can go: the T2I checkpoint decodes with its bundled copy.
        Directory.Delete(tok, recursive: true);
        var pipeline = T2IPipeline.FromCheckpoint(tmp.Sub("run"));
        var png = pipeline.Generate(new GenerationRequest("a red circle", "", 64, 64, 2, 5.0, 1)).Png;
        Assert.Equal(png, T2IPipeline.FromCheckpoint(tmp.Sub("run")).Generate(new GenerationRequest("a red circle", "", 64, 64, 2, 5.0, 1)).Png);
    }

    [Fact]
    public void LatentCacheIsKeyedByTheCodecCheckpoint()
    {
        using var tmp = new TempDir();
        string a = DitTestData.WriteTokenizerRun(tmp.Sub("tok-a"), seed: 1);
        string b = DitTestData.WriteTokenizerRun(tmp.Sub("tok-b"), seed: 2);
        string run = tmp.Sub("run");
        string cache = Path.Combine(run, "latent-cache");
        TrainingLoop.Run(Tiny(a, steps: 1), Options(run));
        Assert.Single(Directory.GetFiles(cache));
        TrainingLoop.Run(Tiny(a, steps: 2), Options(run)); // resume, same codec: cache reused
        Assert.Single(Directory.GetFiles(cache));
        TrainingLoop.Run(Tiny(b, steps: 1), Options(tmp.Sub("run-b")));
        Directory.GetFiles(Path.Combine(tmp.Sub("run-b"), "latent-cache")).Single();
        Assert.NotEqual(Path.GetFileName(Directory.GetFiles(cache).Single()),
            Path.GetFileName(Directory.GetFiles(Path.Combine(tmp.Sub("run-b"), "latent-cache")).Single()));
    }
}
