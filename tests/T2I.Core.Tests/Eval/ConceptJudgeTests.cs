using T2I.Core.Eval;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Eval;

public class ConceptJudgeTests
{
    private static readonly string[] Concepts = ["red apple", "dog face", "pizza", "rocket", "cat face", "banana"];

    /// <summary>Gaussian clusters per concept: <paramref name="perConcept"/> rows each, shifted by <paramref name="shift"/>.</summary>
    private static (Tensor Features, int[] Labels) Clusters(Tensor centres, int perConcept, int seed, double shift = 0)
    {
        var generator = new Generator().manual_seed(seed);
        int concepts = (int)centres.shape[0];
        var features = centres.repeat_interleave(perConcept, 0) + randn(concepts * perConcept, centres.shape[1], generator: generator) + shift;
        return (features, Enumerable.Range(0, concepts).SelectMany(c => Enumerable.Repeat(c, perConcept)).ToArray());
    }

    private static Tensor Centres(int seed) => randn(Concepts.Length, 16, generator: new Generator().manual_seed(seed)) * 3;

    [Fact]
    public void AJudgeLearnsSeparableConceptsAndShuffledLabelsLeaveItNearChance()
    {
        using var centres = Centres(1);
        var (train, labels) = Clusters(centres, 40, seed: 2);
        var (test, truth) = Clusters(centres, 20, seed: 3);

        using var judge = new ConceptJudge(Concepts, "test", 64, 16);
        ConceptJudgeTrainer.Train(judge, train, labels, new ConceptJudgeOptions(Steps: 200, LearningRate: 0.05));
        var accuracy = ConceptAccuracy.Of(judge.TopK(test, 5), truth);
        Assert.True(accuracy.Top1Rate >= 0.9, $"separable clusters: {accuracy}");
        Assert.Equal(1.0, accuracy.Top5Rate, 3);

        var shuffle = new Random(9);
        var shuffled = labels.OrderBy(_ => shuffle.Next()).ToArray();
        using var blind = new ConceptJudge(Concepts, "test", 64, 16);
        ConceptJudgeTrainer.Train(blind, train, shuffled, new ConceptJudgeOptions(Steps: 200, LearningRate: 0.05));
        var chance = ConceptAccuracy.Of(blind.TopK(test, 5), truth);
        Assert.True(chance.Top1Rate < 0.45, $"labels shuffled, chance 1/6: {chance}");
    }

    [Fact]
    public void SavedAndLoadedJudgeRanksExactlyAsBefore()
    {
        using var centres = Centres(4);
        var (train, labels) = Clusters(centres, 10, seed: 5, shift: 7);
        using var judge = new ConceptJudge(Concepts, "resnet18", 112, 16);
        ConceptJudgeTrainer.Train(judge, train, labels, new ConceptJudgeOptions(Steps: 20));
        string dir = Directory.CreateTempSubdirectory("t2i-concept-judge-").FullName;
        try
        {
            judge.Save(dir);
            Assert.True(ConceptJudge.IsSavedIn(dir));
            using var loaded = ConceptJudge.Load(dir);
            Assert.Equal(Concepts, loaded.Concepts);
            Assert.Equal(("resnet18", 112), (loaded.Encoder, loaded.ImageSize));
            using var before = judge.forward(train);
            using var after = loaded.forward(train);
            Assert.Equal(0.0, (before - after).abs().max().item<float>());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void AccuracyCountsTopOneAndTopFiveWithIntervals()
    {
        int[][] ranked = [[0, 1, 2, 3, 4, 5], [1, 0, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [1, 2, 3, 4, 5, 0]];
        var accuracy = ConceptAccuracy.Of(ranked, [0, 0, 1, 0]);
        Assert.Equal((4, 1, 3), (accuracy.Count, accuracy.Top1, accuracy.Top5));
        var (low, high) = accuracy.Top1Interval;
        Assert.True(low < 0.25 && high > 0.25 && low >= 0 && high <= 1);
    }

    [Fact]
    public void EachStyleIsJudgedByAJudgeThatNeverSawIt()
    {
        using var centres = Centres(6);
        var (a, labelsA) = Clusters(centres, 8, seed: 7);
        // Style "far" sits 40 σ away: a judge trained on "near" alone cannot place it, one that saw it could.
        var (b, labelsB) = Clusters(centres, 8, seed: 8, shift: 40);
        string[] concepts = labelsA.Concat(labelsB).Select(l => Concepts[l]).ToArray();
        string[] styles = [.. Enumerable.Repeat("near", labelsA.Length), .. Enumerable.Repeat("far", labelsB.Length)];
        using var data = new ConceptFeatures(cat(new[] { a, b }), concepts, styles, 0);

        var holdOuts = ConceptJudgeValidation.LeaveOneStyleOut(data, Concepts, "test", 64, new ConceptJudgeOptions(Steps: 100));
        Assert.Equal(["far", "near"], holdOuts.Select(h => h.Style));
        Assert.All(holdOuts, h => Assert.Equal(48, h.Accuracy.Count));
        Assert.Equal(96, ConceptJudgeValidation.Pooled(holdOuts).Count);

        using var seenAll = ConceptJudgeValidation.Fit(data, Concepts, "test", 64, new ConceptJudgeOptions(Steps: 100));
        var onFar = ConceptAccuracy.Of(seenAll.TopK(b, 5), labelsB);
        Assert.True(onFar.Top1 > holdOuts[0].Accuracy.Top1, $"seen: {onFar}; held out: {holdOuts[0].Accuracy}");
    }

    [Fact]
    public void PromptsResolveToJudgeConceptsOrListedParaphrasesOnly()
    {
        using var judge = new ConceptJudge(Concepts, "test", 64, 16);
        Assert.Equal((0, false), ConceptJudgement.Resolve(judge, " Red Apple "));
        Assert.Equal((1, true), ConceptJudgement.Resolve(judge, "a puppy"));
        Assert.Equal((0, true), ConceptJudgement.Resolve(judge, "an apple that is red"));
        Assert.Equal((-1, false), ConceptJudgement.Resolve(judge, "a dog"));
        Assert.Equal((-1, false), ConceptJudgement.Resolve(judge, null));
    }
}
