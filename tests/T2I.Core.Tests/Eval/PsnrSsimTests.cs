using T2I.Core.Eval;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Eval;

public class PsnrSsimTests
{
    [Fact]
    public void IdenticalImagesGiveInfinitePsnrAndUnitSsim()
    {
        using var scope = NewDisposeScope();
        var x = rand(new long[] { 2, 3, 16, 16 }, generator: new Generator(1)) * 2 - 1;
        Assert.All(Psnr.PerImage(x, x.clone()), p => Assert.True(double.IsPositiveInfinity(p)));
        Assert.All(Ssim.PerImage(x, x.clone()), s => Assert.Equal(1.0, s, 9));
    }

    [Fact]
    public void KnownMseGivesExactPsnrPerImage()
    {
        using var scope = NewDisposeScope();
        var a = zeros(2, 3, 8, 8);
        var b = a.clone();
        b[0] += 0.1;                       // MSE 0.01 → 10·log10(4 / 0.01) = 26.0206 dB
        b[1, 0] += 0.5;                    // MSE 0.25 / 3 on one of three channels
        var psnr = Psnr.PerImage(a, b);
        Assert.Equal(10 * Math.Log10(4 / 0.01), psnr[0], 4);
        Assert.Equal(10 * Math.Log10(4 / (0.25 / 3)), psnr[1], 4);
        Assert.Equal((psnr[0] + psnr[1]) / 2, Psnr.Mean(a, b), 9);
        Assert.Equal(26.0206, psnr[0], 3);
    }

    [Fact]
    public void SsimOfOneWindowMatchesADirectComputation()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(7);
        var x = rand(new long[] { 1, 1, 11, 11 }, generator: g) * 2 - 1;
        var wiggle = arange(121, ScalarType.Float32).mul(1.7).sin().reshape(1, 1, 11, 11);
        var y = (0.8 * x + 0.3 * wiggle + 0.1).clamp(-1, 1);
        double expected = DirectSsim(x.data<float>().ToArray(), y.data<float>().ToArray());
        Assert.Equal(expected, Ssim.PerImage(x, y)[0], 5);
        Assert.True(expected is > 0.05 and < 0.95, $"test pair should be partly similar, got {expected}");
    }

    [Fact]
    public void SsimIsSymmetricAndFallsAsNoiseGrows()
    {
        using var scope = NewDisposeScope();
        var g = new Generator(3);
        // A smooth image so SSIM has structure to lose.
        var ramp = linspace(-1, 1, 32);
        var x = stack([outer(ramp, ramp), outer(ramp, ramp.flip(0)), outer(ramp.abs(), ramp)]).unsqueeze(0);
        var noise = randn(x.shape, generator: g);
        var y = (x + 0.1 * noise).clamp(-1, 1);
        Assert.Equal(Ssim.Mean(x, y), Ssim.Mean(y, x), 9);
        double previous = 1.0;
        foreach (double level in new[] { 0.05, 0.1, 0.2, 0.4 })
        {
            double s = Ssim.Mean(x, (x + level * noise).clamp(-1, 1));
            Assert.True(s < previous, $"SSIM at noise {level} = {s} should be below {previous}");
            previous = s;
        }
        Assert.True(previous < 0.8);
    }

    [Fact]
    public void MismatchedOrTinyImagesAreRejected()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => Psnr.PerImage(zeros(1, 3, 8, 8), zeros(1, 3, 8, 9)));
        Assert.Throws<ArgumentException>(() => Ssim.PerImage(zeros(1, 3, 8, 8), zeros(1, 3, 8, 8)));
    }

    /// <summary>SSIM of one 11×11 window of [-1, 1] images, on [0, 1] values, written out from the definition.</summary>
    private static double DirectSsim(float[] signedX, float[] signedY)
    {
        var x = signedX.Select(v => (v + 1) / 2.0).ToArray();
        var y = signedY.Select(v => (v + 1) / 2.0).ToArray();
        double sigma = 1.5, c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
        var w = new double[121];
        for (int i = 0; i < 11; i++)
            for (int j = 0; j < 11; j++)
                w[i * 11 + j] = Math.Exp(-((i - 5) * (i - 5) + (j - 5) * (j - 5)) / (2 * sigma * sigma));
        double total = w.Sum();
        double mx = 0, my = 0;
        for (int p = 0; p < 121; p++) { mx += w[p] / total * x[p]; my += w[p] / total * y[p]; }
        double vx = 0, vy = 0, cxy = 0;
        for (int p = 0; p < 121; p++)
        {
            double wp = w[p] / total;
            vx += wp * (x[p] - mx) * (x[p] - mx);
            vy += wp * (y[p] - my) * (y[p] - my);
            cxy += wp * (x[p] - mx) * (y[p] - my);
        }
        return (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
    }
}
