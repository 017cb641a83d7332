using T2I.Core.Dit;
using T2I.Training.Dit;
using T2I.Training.Loop;
using T2I.Training.Presets;
using T2I.Training.Tests.Loop;

namespace T2I.Training.Tests.Dit;

/// <summary>One text-length rule: the dry-run counts at the cap, a step at the length its batch padded to.</summary>
[Collection(GlobalTorchState.Name)]
public class DitFlopsTests
{
    [Fact]
    public void ThePaperPlanCountsTextAtTheCapT5TruncatesTo()
    {
        var preset = (Preset<DitTrainConfig>)PresetRegistry.Get("t2i-256");
        Assert.Equal(128, preset.Config.TextTokenCap);
        var capped = preset with { Config = preset.Config with { MaxTextTokens = 64 } };
        var dit = DitConfig.Paper2B;
        Assert.Equal(3 * dit.ForwardFlops(256, 64) * 2048, capped.Plan().FlopsPerStep);
        Assert.Contains(capped.Plan().Lines, l => l.Contains("256 image + 64 text tokens"));
        // the document's figure: ~5.4 PFLOP per step at 128 text tokens
        Assert.InRange(preset.Plan().FlopsPerStep!.Value, 5.3e15, 5.5e15);
    }

    [Fact]
    public void AStepReportsItsFlopsAtTheTextLengthItPaddedTo()
    {
        using var tmp = new TempDir();
        var preset = (Preset<DitTrainConfig>)DitTrainingTests.Tiny(DitTestData.WriteShards(tmp.Sub("data"), perBucket: 8), 2);
        preset = preset with { Config = preset.Config with { EvalPrompts = 0 } };
        var reported = new List<double>();
        TrainingLoop.Run(preset, new RunOptions(tmp.Sub("run"))
        {
            Device = "cpu", WritePlots = false, Log = _ => { }, OnStep = (_, m) => reported.Add(m[StepBenchmark.FlopsMetric]),
        });
        var dit = DitConfig.Tiny with { ContextInDim = preset.Config.BuiltinText.Width, VecInDim = preset.Config.BuiltinText.Width };
        int batch = preset.Loop.BatchSize;
        long imageTokens = 16; // 64-px buckets: 4×4 (and 5×3 = 15) latent tokens
        foreach (double flops in reported)
        {
            // some padded length L ≤ the cap, in one of the two buckets, explains the figure exactly
            var lengths = Enumerable.Range(1, preset.Config.TextTokenCap);
            Assert.Contains(lengths, l => new[] { imageTokens, 15L }.Any(i => 3 * dit.ForwardFlops(i, l) * batch == flops));
            Assert.True(flops < preset.Plan().FlopsPerStep, "synthetic captions are shorter than the cap");
        }
    }
}
