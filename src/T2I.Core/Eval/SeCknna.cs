using T2I.Core.TorchSharpFixes;
using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>One semantic-preserving perturbation of SE-CKNNA and the CKNNA measured under it.</summary>
public sealed record SeCknnaTerm(string Perturbation, double Cknna);

/// <summary>SE-CKNNA: the mean CKNNA over all perturbations, and each term.</summary>
public sealed record SeCknnaResult(double Mean, IReadOnlyList<SeCknnaTerm> Terms);

/// <summary>
/// Semantic-Equivariant CKNNA (VFM-VAE, §4.3): CKNNA between two encoders' features of the same images after
/// semantic-preserving perturbations — additive Gaussian noise of strength 0.05, 0.1, 0.15, 0.2 (standard
/// deviation in units of the [0, 1] pixel range), rescaling by 0.25, 0.5, 0.75, 1.0 (down by the factor and
/// back to the original size, bilinear, antialiased) and rotations by 0°, 90°, 180°, 270° — averaged over all
/// twelve.
/// </summary>
public static class SeCknna
{
    public static readonly double[] NoiseStrengths = [0.05, 0.1, 0.15, 0.2];
    public static readonly double[] Scales = [0.25, 0.5, 0.75, 1.0];
    public static readonly int[] QuarterTurns = [0, 1, 2, 3];

    /// <param name="images">[N, 3, H, W] in [-1, 1].</param>
    /// <param name="encodeA">Images → features ([N, D] or [N, C, h, w]), e.g. the tokenizer's latents.</param>
    /// <param name="encodeB">Images → reference features, e.g. the encoder's (VFM's) patch features.</param>
    public static SeCknnaResult Compute(Tensor images, Func<Tensor, Tensor> encodeA, Func<Tensor, Tensor> encodeB,
        int k = Cknna.DefaultK, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(encodeA);
        ArgumentNullException.ThrowIfNull(encodeB);
        if (images.dim() != 4) throw new ArgumentException($"Expected images [N, 3, H, W], got " +
            $"[{string.Join(", ", images.shape)}].", nameof(images));
        var terms = new List<SeCknnaTerm>();
        var generator = new Generator((ulong)seed, images.device);
        foreach (var (name, perturb) in Perturbations(generator))
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = perturb(images.detach());
            terms.Add(new SeCknnaTerm(name, Cknna.Compute(encodeA(x), encodeB(x), k)));
        }
        return new SeCknnaResult(terms.Average(t => t.Cknna), terms);
    }

    private static IEnumerable<(string Name, Func<Tensor, Tensor> Perturb)> Perturbations(Generator generator)
    {
        foreach (double s in NoiseStrengths)
            // σ in [0, 1] pixel units is 2σ in [-1, 1] units.
            yield return ($"noise {s}", x => x.Plus(randn(x.shape, x.dtype, x.device, generator: generator).Times(2 * s)).Clamp(-1, 1));
        foreach (double s in Scales)
            yield return ($"scale {s}", x => Rescale(x, s));
        foreach (int q in QuarterTurns)
            yield return ($"rotate {90 * q}", x => q == 0 ? x : x.rot90(q, (2, 3)).contiguous());
    }

    private static Tensor Rescale(Tensor x, double s)
    {
        if (s == 1.0) return x;
        long h = x.shape[2], w = x.shape[3];
        long sh = Math.Max(1, (long)Math.Round(h * s)), sw = Math.Max(1, (long)Math.Round(w * s));
        var small = nn.functional.interpolate(x, new long[] { sh, sw }, mode: InterpolationMode.Bilinear, align_corners: false,
            antialias: true);
        return nn.functional.interpolate(small, new long[] { h, w }, mode: InterpolationMode.Bilinear, align_corners: false);
    }
}
