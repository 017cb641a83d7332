using T2I.Core;
using T2I.Core.Eval;

namespace T2I.Core.Tests.Eval;

public class SyntheticJudgeTests
{
    private static readonly string[] Colors = ["red", "green", "blue", "yellow", "white", "black"];
    private static readonly string[] Shapes = ["circle", "square", "triangle", "cross"];
    private static readonly string[] Large = ["large"];

    [Fact]
    public void JudgeTrainedOnAFewHundredScenesReadsHeldOutScenesOfOtherAspectRatios()
    {
        TorchRuntime.Seed(1);
        TorchRuntime.SetThreads(1); // on 2 shared cores a second torch thread only spins against other processes
        // Train on square, 3:2 and 2:3 buckets; test on a new seed at 2.4:1, 1:2.4 and 5:4 — sizes never seen.
        // Large shapes only: at a 32-pixel short side a small one is ~9 px wide (the shipped judge reads 64 px).
        var train = AttributeDataset.FromRows(SynthScenes.Rows(360, seed: 1, [(128, 128), (160, 112), (112, 160)], Colors, Shapes, Large), shortSide: 32);
        var held = AttributeDataset.FromRows(SynthScenes.Rows(120, seed: 2, [(192, 80), (80, 192), (144, 112)], Colors, Shapes, Large), 32, train.Vocabulary);
        Assert.Equal(0, train.Skipped);
        Assert.Equal(["32x32", "32x46", "46x32"], train.Groups.Select(g => g.Size).Order());
        Assert.Equal(["32x77", "41x32", "77x32"], held.Groups.Select(g => g.Size).Order());

        var judge = new SyntheticAttributeClassifier(train.Vocabulary, shortSide: 32, width: 16);
        double loss = AttributeClassifierTrainer.Train(judge, train, new AttributeClassifierTrainOptions(Epochs: 12, BatchSize: 16, Seed: 1));
        Assert.True(double.IsFinite(loss));

        var rows = JudgeValidation.Evaluate(judge, held);
        var all = rows[0].ByAttribute;
        // Chance: colour 1/6, shape 1/4, background 1/5 (measured: 99 %, 70 %, 98 %).
        Assert.True(all["color"] > 0.9, JudgeValidation.Table(rows));
        Assert.True(all["shape"] > 0.55, JudgeValidation.Table(rows));
        Assert.True(all["background"] > 0.9, JudgeValidation.Table(rows));
        foreach (var bucket in rows.Skip(1))
        {
            Assert.True(bucket.ByAttribute["color"] > 0.85, JudgeValidation.Table(rows));
            Assert.True(bucket.ByAttribute["shape"] > 0.45, JudgeValidation.Table(rows));
        }
    }
}
