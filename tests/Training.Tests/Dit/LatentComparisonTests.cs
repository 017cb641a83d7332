using T2I.Training.Dit;
using T2I.Training.Presets;
using T2I.Training.Tests.Loop;

namespace T2I.Training.Tests.Dit;

[Collection(GlobalTorchState.Name)]
public class LatentComparisonTests
{
    [Fact]
    public void ArmsTrainTheSamePresetAndAreJudgedByOneClassifier()
    {
        using var tmp = new TempDir();
        string data = DitTestData.WriteShards(tmp.Sub("data"), perBucket: 12);
        string tok = DitTestData.WriteTokenizerRun(tmp.Sub("tok"), seed: 3);
        var preset = (Preset<DitTrainConfig>)DitTrainingTests.Tiny(data, 4);
        preset = preset with { Loop = preset.Loop with { EvalEvery = 2, CheckpointEvery = 4 } };
        var arms = new[] { ComparisonArm.Parse("aligned=" + tok), ComparisonArm.Parse("dct=dct") };
        var logs = new List<string>();
        var result = LatentComparison.Run(preset, arms, tmp.Sub("out"), "cpu", classifier: null, progress: null, logs.Add);

        // Both arms evaluated at steps 2 and 4 (the final step's evaluation is not repeated).
        Assert.Equal(new[] { ("aligned", 2L), ("aligned", 4L), ("dct", 2L), ("dct", 4L) }, result.Rows.Select(r => (r.Arm, r.Step)));
        Assert.All(result.Rows, r => Assert.True(double.IsFinite(r.Loss) && r.ColorAccuracy is >= 0 and <= 1));
        Assert.Equal(0.25, result.ColorChance, 6);
        // One judge for every arm: trained once in out/judge, no arm trained its own.
        Assert.True(File.Exists(Path.Combine(tmp.Sub("out"), "judge", T2I.Core.Eval.SyntheticAttributeClassifier.WeightsFile)));
        Assert.All(arms, a => Assert.False(Directory.Exists(Path.Combine(tmp.Sub("out"), a.Name, GenerationEval.ClassifierDir))));
        Assert.Contains("aligned colour", File.ReadAllText(result.TablePath));
        Assert.True(new FileInfo(result.PlotPath).Length > 1000);
        Assert.Throws<ArgumentException>(() => ComparisonArm.Parse("no-path"));
    }
}
