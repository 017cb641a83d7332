using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Eval;

/// <summary>
/// Structural similarity (Wang et al. 2004) with an 11×11 Gaussian window (σ = 1.5) over valid window
/// positions; the map is averaged per channel, then over channels. Images in [-1, 1] are first mapped to
/// [0, 1] with constants C1 = (0.01·L)², C2 = (0.03·L)², L = 1: SSIM is not shift-invariant, and on signed
/// data its luminance term 2μxμy + C1 turns negative wherever the local means differ in sign.
/// </summary>
public static class Ssim
{
    public const int WindowSize = 11;
    public const double Sigma = 1.5;
    private const double C1 = 0.01 * 0.01;
    private const double C2 = 0.03 * 0.03;

    /// <summary>SSIM of each image pair of two batches [N, C, H, W] with H, W ≥ 11.</summary>
    public static double[] PerImage(Tensor reference, Tensor test)
    {
        ImagePairs.Check(reference, test);
        if (reference.shape[2] < WindowSize || reference.shape[3] < WindowSize)
            throw new ArgumentException($"SSIM needs images of at least {WindowSize}×{WindowSize}, got " +
                $"{reference.shape[3]}×{reference.shape[2]}.", nameof(reference));
        using var scope = NewDisposeScope();
        var (a, b) = ImagePairs.AsDouble(reference, test);
        var (x, y) = (a.OnePlus().DividedBy(2), b.OnePlus().DividedBy(2));
        long channels = x.shape[1];
        var window = Window(channels, x.device);
        // Depthwise Gaussian filtering: local means, variances and covariance per channel.
        Tensor Blur(Tensor t) => nn.functional.conv2d(t, window, groups: channels);
        var muX = Blur(x);
        var muY = Blur(y);
        var varX = Blur(x * x) - muX * muX;
        var varY = Blur(y * y) - muY * muY;
        var cov = Blur(x * y) - muX * muY;
        var map = (muX.Times(2) * muY).Plus(C1) * cov.Times(2).Plus(C2) / ((muX * muX).Plus(muY * muY).Plus(C1) * varX.Plus(varY).Plus(C2));
        var perImage = map.mean([2, 3]).mean([1]).cpu();
        return perImage.data<double>().ToArray();
    }

    /// <summary>Mean SSIM over the batch.</summary>
    public static double Mean(Tensor reference, Tensor test) => PerImage(reference, test).Average();

    /// <summary>The normalised 1-D Gaussian of the window (sums to 1).</summary>
    public static double[] Gaussian1D()
    {
        var g = Enumerable.Range(0, WindowSize)
            .Select(i => Math.Exp(-Math.Pow(i - WindowSize / 2, 2) / (2 * Sigma * Sigma))).ToArray();
        double sum = g.Sum();
        return g.Select(v => v / sum).ToArray();
    }

    /// <summary>The separable 2-D window as a depthwise kernel [C, 1, 11, 11].</summary>
    private static Tensor Window(long channels, Device device)
    {
        var g = tensor(Gaussian1D(), ScalarType.Float64, device);
        var w2 = outer(g, g);
        return w2.expand(channels, 1, WindowSize, WindowSize).contiguous();
    }
}
