using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;
using T2I.Core.Latents;

namespace T2I.Core.Inference;

/// <summary>
/// A fixed, training-free stand-in for the aligned tokenizer with the same latent shape (f = 16, d = 32):
/// each 16×16 RGB patch is projected onto its 32 lowest-frequency orthonormal 2-D DCT components (ordered by
/// frequency, then channel) and scaled to roughly unit range. Decoding is the transpose, so
/// decode(encode(x)) is the low-pass part of x: colours and coarse shapes survive, fine detail does not.
/// Used to train and test the DiT on CPU until a tokenizer checkpoint exists.
/// </summary>
public sealed class DctPatchCodec : ILatentCodec
{
    private readonly Tensor _basis; // [32, 3, 16, 16], orthonormal rows
    private const double Scale = 16.0; // the DC coefficient of a constant patch c is 16·c

    public DctPatchCodec(int latentChannels = 32, int patch = 16)
    {
        LatentChannels = latentChannels;
        Downsample = patch;
        _basis = BuildBasis(latentChannels, patch).DetachFromDisposeScope();
    }

    public int LatentChannels { get; }
    public int Downsample { get; }

    /// <summary>Images [N, 3, H, W] in [-1, 1] (H, W multiples of 16) → latents [N, 32, H/16, W/16].</summary>
    public Tensor Encode(Tensor images)
    {
        using var scope = NewDisposeScope();
        var w = _basis.to(images.device).to_type(images.dtype);
        return (nn.functional.conv2d(images, w, strides: new long[] { Downsample, Downsample }).Times(1 / Scale)).MoveToOuterDisposeScope();
    }

    public Tensor Decode(Tensor latents)
    {
        using var scope = NewDisposeScope();
        var w = _basis.to(latents.device).to_type(latents.dtype);
        return nn.functional.conv_transpose2d(latents.Times(Scale), w, strides: new long[] { Downsample, Downsample }).Clamp(-1,
            1).MoveToOuterDisposeScope();
    }

    private static Tensor BuildBasis(int count, int n)
    {
        var freqs = Enumerable.Range(0, n).SelectMany(u => Enumerable.Range(0, n).Select(v => (u, v)))
            .OrderBy(f => f.u + f.v).ThenBy(f => Math.Max(f.u, f.v)).ThenBy(f => f.u);
        var components = freqs.SelectMany(f => Enumerable.Range(0, 3).Select(c => (f.u, f.v, c))).Take(count).ToList();
        var data = new float[count * 3 * n * n];
        double Alpha(int k) => k == 0 ? Math.Sqrt(1.0 / n) : Math.Sqrt(2.0 / n);
        for (int i = 0; i < components.Count; i++)
        {
            var (u, v, c) = components[i];
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++)
                    data[((i * 3 + c) * n + y) * n + x] = (float)(Alpha(u) * Alpha(v)
                        * Math.Cos((2 * y + 1) * u * Math.PI / (2 * n)) * Math.Cos((2 * x + 1) * v * Math.PI / (2 * n)));
        }
        return tensor(data, new long[] { count, 3, n, n });
    }
}
