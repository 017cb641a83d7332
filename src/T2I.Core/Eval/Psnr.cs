using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Eval;

/// <summary>
/// Peak signal-to-noise ratio of images in [-1, 1] (data range 2): 10·log10(2² / MSE), MSE over all channels
/// and pixels of one image. Identical images give +∞.
/// </summary>
public static class Psnr
{
    /// <summary>PSNR in dB of each image pair of two batches [N, C, H, W].</summary>
    public static double[] PerImage(Tensor reference, Tensor test)
    {
        ImagePairs.Check(reference, test);
        using var scope = NewDisposeScope();
        var (a, b) = ImagePairs.AsDouble(reference, test);
        var mse = (a - b).Square().flatten(1).mean([1]).cpu();
        return mse.data<double>().Select(FromMse).ToArray();
    }

    /// <summary>Mean of the per-image PSNRs (the usual reporting convention, not the PSNR of the mean MSE).</summary>
    public static double Mean(Tensor reference, Tensor test) => PerImage(reference, test).Average();

    /// <summary>PSNR in dB for one mean squared error of [-1, 1] images.</summary>
    public static double FromMse(double mse) =>
        mse <= 0 ? double.PositiveInfinity : 10 * Math.Log10(ImagePairs.DataRange * ImagePairs.DataRange / mse);
}
