using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>Peak signal-to-noise ratio of images in [-1, 1] (peak-to-peak 2), averaged per image, in dB.</summary>
public static class Psnr
{
    public static double Compute(Tensor reference, Tensor reconstruction)
    {
        using var scope = NewDisposeScope();
        var mse = (reconstruction.clamp(-1, 1) - reference).pow(2).mean(new long[] { 1, 2, 3 }).clamp_min(1e-10);
        return (10 * (4.0 / mse).log10()).mean().item<float>();
    }
}
