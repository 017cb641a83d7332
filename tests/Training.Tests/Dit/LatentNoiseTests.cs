using T2I.Training.Dit;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training.Tests.Dit;

public class LatentNoiseTests
{
    [Fact]
    public void NoiseFollowsEachChannelsSpreadAndZeroSigmaChangesNothing()
    {
        // Channel 0 spreads 100× more than channel 1; two latents of different grids, as buckets give.
        var gen = new Generator(3);
        var spread = tensor(new[] { 10f, 0.1f }).reshape(1, 2, 1, 1);
        var latents = new[] { randn(new long[] { 1, 2, 16, 16 }, generator: gen).mul(spread), randn(new long[] { 1, 2, 8, 32 }, generator: gen).mul(spread) };

        var same = LatentNoise.Add(latents, 0, seed: 1);
        Assert.True(same[0].allclose(latents[0], 0, 0) && same[1].allclose(latents[1], 0, 0));

        var noisy = LatentNoise.Add(latents, 0.5, seed: 1);
        var added = cat(noisy.Zip(latents, (n, z) => T2I.Core.TorchSharpFixes.ScalarSafe.Plus(n, z.neg()).transpose(0, 1).reshape(2, -1)).ToArray(), 1).std(1);
        Assert.InRange(added[0].item<float>(), 4.5f, 5.5f);     // 0.5 × ≈10
        Assert.InRange(added[1].item<float>(), 0.045f, 0.055f); // 0.5 × ≈0.1
        Assert.True(LatentNoise.Add(latents, 0.5, seed: 1)[1].allclose(noisy[1], 0, 0), "same seed, same noise");
    }
}
