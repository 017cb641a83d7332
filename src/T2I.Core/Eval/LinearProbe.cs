using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Eval;

/// <summary>Settings of a linear probe. Defaults fit a few thousand samples with tens to hundreds of features.</summary>
public sealed record LinearProbeOptions(double TestFraction = 0.25, int Steps = 300, double LearningRate = 0.05,
    double WeightDecay = 1e-4, int Seed = 0);

/// <summary>Accuracy of a linear probe on held-out samples, with the chance level (majority class of the test split).</summary>
public sealed record LinearProbeResult(double TestAccuracy, double TrainAccuracy, double ChanceAccuracy,
    int Classes, int TrainCount, int TestCount);

/// <summary>
/// Linear probe: multinomial logistic regression on frozen features. Latents [N, C, h, w] are mean-pooled to
/// [N, C], standardised with the training split's statistics, and a softmax classifier is fitted full-batch
/// with Adam from zero weights (the problem is convex, so zero start plus a seeded split makes it deterministic).
/// </summary>
public static class LinearProbe
{
    /// <param name="features">[N, D], [N, T, C] or [N, C, h, w] features of N samples.</param>
    /// <param name="labels">Class index per sample, 0 ≤ label.</param>
    public static LinearProbeResult Evaluate(Tensor features, IReadOnlyList<int> labels, LinearProbeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        options ??= new LinearProbeOptions();
        if (options.TestFraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(options), "TestFraction must be in (0, 1).");
        if (labels.Any(l => l < 0)) throw new ArgumentException("Labels must be class indices ≥ 0.", nameof(labels));
        using var scope = NewDisposeScope();
        var x = FeaturePooling.MeanPool(features).to(ScalarType.Float32).cpu();
        int n = (int)x.shape[0];
        if (n != labels.Count) throw new ArgumentException($"{n} feature rows but {labels.Count} labels.", nameof(labels));
        int testCount = (int)Math.Round(n * options.TestFraction);
        if (testCount < 1 || n - testCount < 2) throw new ArgumentException($"Too few samples ({n}) for a train/test split.",
            nameof(features));
        int classes = labels.Max() + 1;

        var order = Enumerable.Range(0, n).ToArray();
        new Random(options.Seed).Shuffle(order);
        var trainIdx = tensor(order[testCount..].Select(i => (long)i).ToArray());
        var testIdx = tensor(order[..testCount].Select(i => (long)i).ToArray());
        var y = tensor(labels.Select(l => (long)l).ToArray());
        var (xTrain, yTrain) = (x.index_select(0, trainIdx), y.index_select(0, trainIdx));
        var (xTest, yTest) = (x.index_select(0, testIdx), y.index_select(0, testIdx));

        var mean = xTrain.mean([0], keepdim: true);
        var std = xTrain.std([0], keepdim: true).ClampMin(1e-6);
        xTrain = (xTrain - mean) / std;
        xTest = (xTest - mean) / std;

        // Adam's L2 weight decay (grad += λ·w) written as the loss term λ/2·|w|², so the step can be SafeAdamW's.
        var weight = nn.Parameter(zeros(x.shape[1], classes));
        var bias = nn.Parameter(zeros(classes));
        Tensor Logits(Tensor xs) => xs.matmul(weight).Plus(bias);
        var optimizer = new SafeAdamW([weight, bias], options.LearningRate, weightDecay: 0);
        for (int step = 0; step < options.Steps; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(Logits(xTrain), yTrain)
                .PlusScaled(weight.Square().sum(), options.WeightDecay / 2);
            loss.backward();
            optimizer.step();
        }

        using var noGrad = no_grad();
        double Accuracy(Tensor xs, Tensor ys) => Logits(xs).argmax(1).eq(ys).to(ScalarType.Float64).mean().item<double>();
        double chance = yTest.bincount(null).max().item<long>() / (double)testCount;
        return new LinearProbeResult(Accuracy(xTest, yTest), Accuracy(xTrain, yTrain), chance, classes, n - testCount, testCount);
    }
}
