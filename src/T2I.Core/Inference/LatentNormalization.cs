using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;
using T2I.Core.Latents;

namespace T2I.Core.Inference;

/// <summary>
/// Per-channel latent statistics: the DiT learns on (z − mean) / std, so every codec's latents reach it at unit
/// scale (like the scaling factors of latent diffusion), and samples are mapped back before decoding.
/// </summary>
public sealed record LatentNormalization(float[] Mean, float[] Std)
{
    /// <summary>No change (checkpoints from before normalisation existed).</summary>
    public static LatentNormalization Identity(int channels) => new(new float[channels], Enumerable.Repeat(1f, channels).ToArray());

    public int Channels => Mean.Length;

    /// <summary>
    /// Mean per channel over every sample and position of [n, C, h, w] tensors, and the standard deviation per channel
    /// or, <paramref name="perChannelStd"/> false, one shared by all channels (their root-mean-square std): that keeps the
    /// codec's own balance between channels, e.g. the DCT codec's faint high frequencies stay faint instead of being
    /// raised to the scale of the patch means.
    /// </summary>
    public static LatentNormalization Compute(IEnumerable<Tensor> latents, double minStd = 1e-3, bool perChannelStd = true)
    {
        using var scope = NewDisposeScope();
        Tensor? sum = null, sumSq = null;
        long count = 0;
        foreach (var z in latents)
        {
            var x = z.to_type(ScalarType.Float64).transpose(0, 1).reshape(z.shape[1], -1);
            sum = sum is null ? x.sum(1) : sum.Plus(x.sum(1));
            sumSq = sumSq is null ? x.Square().sum(1) : sumSq.Plus(x.Square().sum(1));
            count += x.shape[1];
        }
        if (sum is null || sumSq is null || count == 0) throw new ArgumentException("No latents to compute statistics on.");
        return FromSums(sum.data<double>().ToArray(), sumSq.data<double>().ToArray(), count, minStd, perChannelStd);
    }

    /// <summary>
    /// <see cref="Compute"/> from per-channel sums of z and z² over <paramref name="count"/> positions per channel, so a
    /// dataset's statistics can be gathered shard by shard without holding its latents.
    /// </summary>
    public static LatentNormalization FromSums(double[] sum, double[] sumSq, long count, double minStd = 1e-3, bool perChannelStd = true)
    {
        if (count == 0 || sum.Length == 0) throw new ArgumentException("No latents to compute statistics on.");
        var mean = sum.Select(s => s / count).ToArray();
        var variance = sumSq.Select((q, c) => Math.Max(0, q / count - mean[c] * mean[c])).ToArray();
        double shared = variance.Average();
        var std = variance.Select(v => (float)Math.Max(Math.Sqrt(perChannelStd ? v : shared), minStd)).ToArray();
        return new LatentNormalization(mean.Select(m => (float)m).ToArray(), std);
    }

    public Tensor Normalize(Tensor z)
    {
        using var scope = NewDisposeScope();
        var (m, s) = Shaped(z);
        return ((z - m) / s).MoveToOuterDisposeScope();
    }

    public Tensor Denormalize(Tensor z)
    {
        using var scope = NewDisposeScope();
        var (m, s) = Shaped(z);
        return (z * s).Plus(m).MoveToOuterDisposeScope();
    }

    private (Tensor Mean, Tensor Std) Shaped(Tensor z)
    {
        if (z.dim() != 4 || z.shape[1] != Channels)
            throw new ArgumentException($"Latents must be [N,{Channels},h,w], got [{string.Join(",", z.shape)}].");
        return (tensor(Mean, device: z.device).to_type(z.dtype).view(1, -1, 1, 1), tensor(Std,
            device: z.device).to_type(z.dtype).view(1, -1, 1, 1));
    }
}

/// <summary>Decodes normalised latents: un-normalises, then the codec decodes (what T2I sampling produces).</summary>
public sealed class DenormalizingDecoder(ILatentDecoder codec, LatentNormalization normalization) : ILatentDecoder
{
    public int LatentChannels => codec.LatentChannels;
    public int Downsample => codec.Downsample;
    public ILatentDecoder Codec => codec;

    public Tensor Decode(Tensor latents)
    {
        using var scope = NewDisposeScope();
        return codec.Decode(normalization.Denormalize(latents)).MoveToOuterDisposeScope();
    }
}
