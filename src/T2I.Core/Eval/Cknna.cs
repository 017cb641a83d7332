using T2I.Core.TorchSharpFixes;
using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>
/// Centered Kernel Nearest-Neighbour Alignment (Huh et al. 2024; used by VFM-VAE, PAPERS.md §B) between two
/// representations of the same N samples.
/// <para>
/// Variant implemented — the reference one of Huh et al., which the VFM-VAE paper says it follows: features
/// are L2-normalised per sample; K = AAᵀ, L = BBᵀ are linear
/// kernels; the mask keeps pairs (i, j), i ≠ j, where j is among the k nearest neighbours of i in both K and L;
/// the alignment is the biased HSIC of the masked kernels (i.e. double-centred with H = I − 11ᵀ/n, then the
/// Frobenius inner product), normalised by the HSIC of each kernel masked with its own k-NN. The VFM-VAE
/// appendix writes the normaliser with the shared mask instead; that version scores two unrelated
/// representations high whenever their few shared neighbours agree in sign, so we keep Huh et al.'s.
/// Huh et al.'s per-coordinate outlier clipping is left out: it would make the score depend on the basis of
/// the features, and an orthogonal rotation of a representation must score 1.
/// </para>
/// </summary>
public static class Cknna
{
    public const int DefaultK = 10;

    /// <summary>
    /// CKNNA of two feature sets ([N, D], [N, T, C] or [N, C, h, w], mean-pooled), in [−1, 1], 1 = same neighbourhoods.
    /// </summary>
    public static double Compute(Tensor a, Tensor b, int k = DefaultK)
    {
        using var scope = NewDisposeScope();
        var fa = Prepare(FeaturePooling.MeanPool(a).cpu());
        var fb = Prepare(FeaturePooling.MeanPool(b).cpu());
        long n = fa.shape[0];
        if (n != fb.shape[0]) throw new ArgumentException($"Feature sets have {n} and {fb.shape[0]} samples.", nameof(b));
        if (k < 1 || k >= n) throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} needs 1 ≤ k < N = {n}.");
        var kernelA = fa.matmul(fa.t());
        var kernelB = fb.matmul(fb.t());
        var maskA = NearestNeighbours(kernelA, k);
        var maskB = NearestNeighbours(kernelB, k);
        var shared = maskA * maskB;
        double ab = Hsic(kernelA * shared, kernelB * shared);
        double aa = Hsic(kernelA * maskA, kernelA * maskA);
        double bb = Hsic(kernelB * maskB, kernelB * maskB);
        return ab / (Math.Sqrt(aa * bb) + 1e-12);
    }

    /// <summary>Unit-normalise each row, so the linear kernel is cosine similarity.</summary>
    private static Tensor Prepare(Tensor f) => nn.functional.normalize(f, p: 2, dim: 1);

    /// <summary>0/1 matrix: row i marks the k most similar other samples of i.</summary>
    private static Tensor NearestNeighbours(Tensor kernel, int k)
    {
        var scores = kernel.MaskedFill(eye(kernel.shape[0], dtype: ScalarType.Bool, device: kernel.device), double.NegativeInfinity);
        var (_, idx) = scores.topk(k, dim: 1);
        return zeros_like(kernel).scatter_(1, idx, ones_like(kernel));
    }

    /// <summary>Biased HSIC: ⟨HKH, HLH⟩_F / (n − 1)².</summary>
    private static double Hsic(Tensor k, Tensor l)
    {
        long n = k.shape[0];
        var kc = (k - k.mean([0], keepdim: true) - k.mean([1], keepdim: true)).Plus(k.mean());
        var lc = (l - l.mean([0], keepdim: true) - l.mean([1], keepdim: true)).Plus(l.mean());
        return (kc * lc).sum().item<double>() / ((n - 1.0) * (n - 1.0));
    }
}
