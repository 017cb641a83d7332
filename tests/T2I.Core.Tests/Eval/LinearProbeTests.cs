using T2I.Core.Eval;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Eval;

public class LinearProbeTests
{
    [Fact]
    public void SeparableLatentsAreProbedAccurately()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(11);
        int n = 400, classes = 4;
        var labels = Enumerable.Range(0, n).Select(i => i % classes).ToArray();
        // Latents [N, 8, 2, 2]: each class shifts its own channel; noise and an unrelated large-scale channel on top.
        var latents = randn(new long[] { n, 8, 2, 2 }, generator: g);
        for (int i = 0; i < n; i++) latents[i, labels[i]] += 3.0;
        latents[.., 7] *= 50;
        var result = LinearProbe.Evaluate(latents, labels);
        Assert.True(result.TestAccuracy >= 0.95, $"accuracy {result.TestAccuracy}");
        Assert.Equal(100, result.TestCount);
        Assert.Equal(4, result.Classes);
        Assert.Equal(result, LinearProbe.Evaluate(latents, labels)); // deterministic
    }

    [Fact]
    public void RandomLabelsStayNearChance()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(5);
        var rng = new Random(5);
        int n = 600;
        var labels = Enumerable.Range(0, n).Select(_ => rng.Next(4)).ToArray();
        var features = randn(new long[] { n, 16 }, generator: g);
        var result = LinearProbe.Evaluate(features, labels);
        Assert.InRange(result.TestAccuracy, 0.1, 0.4);
        Assert.True(result.TrainAccuracy > result.TestAccuracy, "the probe should fit noise it trained on better than held-out noise");
    }

    [Fact]
    public void MismatchedLabelCountIsAnError()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => LinearProbe.Evaluate(zeros(10, 3), new int[9]));
    }
}
