using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>
/// Linear-probe accuracy: a multinomial logistic regression trained on one half of (features, labels) and
/// scored on the other half — how linearly separable the classes are in a representation (the paper's LP).
/// Features are standardised with the training half's statistics; weights start at zero (no randomness).
/// </summary>
public static class LinearProbe
{
    /// <param name="features">[M, F]</param>
    /// <param name="labels">[M] class indices in [0, classes)</param>
    public static double Accuracy(Tensor features, long[] labels, int classes, int steps = 300, double lr = 0.05, double weightDecay = 1e-3)
    {
        if (features.shape[0] != labels.Length) throw new ArgumentException("One label per feature row.");
        if (labels.Length < 4) throw new ArgumentException("A probe needs at least 4 labelled samples.");
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var x = features.detach().to(float32).cpu();
        var y = tensor(labels);
        long half = labels.Length / 2;
        var (xTrain, yTrain) = (x.narrow(0, 0, half), y.narrow(0, 0, half));
        var (xTest, yTest) = (x.narrow(0, half, labels.Length - half), y.narrow(0, half, labels.Length - half));
        var mean = xTrain.mean(new long[] { 0 }, keepdim: true);
        var std = xTrain.std(0, keepdim: true) + 1e-6;
        xTrain = (xTrain - mean) / std;
        xTest = (xTest - mean) / std;

        var w = new TorchSharp.Modules.Parameter(zeros(x.shape[1], classes));
        var b = new TorchSharp.Modules.Parameter(zeros(classes));
        var opt = optim.Adam(new[] { w, b }, lr);
        for (int i = 0; i < steps; i++)
        {
            using var stepScope = NewDisposeScope();
            opt.zero_grad();
            var loss = nn.functional.cross_entropy(xTrain.matmul(w) + b, yTrain) + weightDecay * w.pow(2).sum();
            loss.backward();
            opt.step();
        }
        using var _ = no_grad();
        var predicted = (xTest.matmul(w) + b).argmax(1);
        return predicted.eq(yTest).to(float32).mean().item<float>();
    }
}
