using T2I.Training.Loop;
using T2I.Training.Dit;
using T2I.Training.Tests.Loop;

namespace T2I.Training.Tests.Dit;

[Collection(GlobalTorchState.Name)]
public class LatentComparisonTests
{
    /// <summary>Shards, a tiny DiT preset evaluating every 2 steps, and two arms: a tokenizer run and DCT.</summary>
    private static (string Data, Preset<DitTrainConfig> Preset, ComparisonArm[] Arms) Setup(TempDir tmp, long steps, long checkpointEvery)
    {
        string data = DitTestData.WriteShards(tmp.Sub("data"), perBucket: 12);
        string tok = DitTestData.WriteTokenizerRun(tmp.Sub("tok"), seed: 3);
        var preset = (Preset<DitTrainConfig>)DitTrainingTests.Tiny(data, steps);
        preset = preset with { Loop = preset.Loop with { EvalEvery = 2, CheckpointEvery = checkpointEvery } };
        return (data, preset, [ComparisonArm.Parse("aligned=" + tok), ComparisonArm.Parse("dct=dct")]);
    }

    [Fact]
    public void ArmsTrainTheSamePresetAndAreJudgedByOneClassifier()
    {
        using var tmp = new TempDir();
        var (_, preset, arms) = Setup(tmp, steps: 4, checkpointEvery: 4);
        var logs = new List<string>();
        var result = LatentComparison.Run(preset, arms, tmp.Sub("out"), "cpu", classifier: null, progress: null, logs.Add)!;

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

    [Fact]
    public void OnlyTrainsTheNamedArmsAndTheTableWaitsForAll()
    {
        using var tmp = new TempDir();
        var (data, preset, arms) = Setup(tmp, steps: 2, checkpointEvery: 2);
        string output = tmp.Sub("out");
        // Separate processes cannot each train the shared judge.
        Assert.Throws<ArgumentException>(() => LatentComparison.Run(preset, arms, output, "cpu", null, null, _ => { }, default, ["dct"]));
        using (var judge = GenerationEval.TrainClassifier(data, preset.Config.ShardResolution, 0, _ => { })) judge.Save(tmp.Sub("judge"));
        Assert.Throws<ArgumentException>(() => LatentComparison.Run(preset, arms, output, "cpu", tmp.Sub("judge"), null, _ => { }, default, ["kl"]));

        Assert.Null(LatentComparison.Run(preset, arms, output, "cpu", tmp.Sub("judge"), null, _ => { }, default, ["dct"]));
        Assert.True(File.Exists(Path.Combine(output, "dct", TrainingLoop.MetricsFile)));
        Assert.False(Directory.Exists(Path.Combine(output, "aligned")));
        Assert.False(File.Exists(Path.Combine(output, "comparison.md")));

        // The final call trains what is missing, leaves the finished arm's metrics as they were and writes the table.
        string dctMetrics = File.ReadAllText(Path.Combine(output, "dct", TrainingLoop.MetricsFile));
        var result = LatentComparison.Run(preset, arms, output, "cpu", tmp.Sub("judge"), null, _ => { })!;
        Assert.Equal(dctMetrics, File.ReadAllText(Path.Combine(output, "dct", TrainingLoop.MetricsFile)));
        Assert.Equal(new[] { ("aligned", 2L), ("dct", 2L) }, result.Rows.Select(r => (r.Arm, r.Step)));
        Assert.True(File.Exists(result.TablePath));
    }
}
