using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training.Dit;

/// <summary>
/// Gaussian noise scaled per channel by that channel's spread over a set of latents: how a DiT sample that lands
/// slightly off the encoder's manifold decodes. Per-channel, because codecs differ in scale (the DiT itself trains
/// on per-channel-normalised latents, so an error of the same relative size is what it makes in either codec).
/// </summary>
public static class LatentNoise
{
    /// <summary>Each latent [1, C, h, w] plus <paramref name="sigma"/> × std_c × N(0, 1), std_c over every latent's positions.</summary>
    public static List<Tensor> Add(IReadOnlyList<Tensor> latents, double sigma, long seed)
    {
        if (latents.Count == 0 || sigma == 0) return latents.Select(z => z.clone()).ToList();
        using var scope = NewDisposeScope();
        long channels = latents[0].shape[1];
        var flat = cat(latents.Select(z => z.transpose(0, 1).reshape(channels, -1)).ToArray(), 1);
        var scale = ScalarSafe.Times(flat.std(1), sigma).reshape(1, channels, 1, 1);
        var generator = new Generator((ulong)seed);
        return latents.Select(z => ScalarSafe.Plus(z, randn(z.shape, generator: generator).mul(scale)).MoveToOuterDisposeScope()).ToList();
    }
}
