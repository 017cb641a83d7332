using T2I.Core.Data;
using T2I.Core.Inference;
using T2I.Training.Dit;
using T2I.Training.Tests.Loop;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Dit;

[Collection(GlobalTorchState.Name)]
public class LatentShardRepeatTests
{
    [Fact]
    public void ARepeatedSetHoldsEveryRowNTimesAndTrainsLikeAnyLatentSet()
    {
        using var tmp = new TempDir();
        string data = DitTestData.WriteShards(tmp.Sub("data"), perBucket: 8, sources: 2);
        string latents = tmp.Sub("latents");
        LatentEncoder.Run(new LatentEncodeJob(data, 64, 64, latents), new DctPatchCodec(), LatentCodecs.Dct, CPU, _ => { });
        var once = LatentShardSet.Open(latents, LatentCodecs.Dct);

        string repeated = LatentShardRepeat.Write(latents, tmp.Sub("x3"), 3);
        var thrice = LatentShardSet.Open(repeated, LatentCodecs.Dct);
        Assert.Equal(3 * once.Rows, thrice.Rows);
        Assert.Equal(3 * once.OpenReader(new BucketBatchOptions(4, 0)).BatchesPerEpoch, thrice.OpenReader(new BucketBatchOptions(4, 0)).BatchesPerEpoch);
        // Same statistics (each input counted three times) and the same captions, three times over.
        Assert.Equal(once.Statistics(true).Mean, thrice.Statistics(true).Mean);
        var captions = once.Captions().Select(c => c.Caption).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(captions.SelectMany(c => Enumerable.Repeat(c, 3)),
            thrice.Captions().Select(c => c.Caption).Order(StringComparer.Ordinal));

        // Writing again replaces the folder rather than adding to it.
        LatentShardRepeat.Write(latents, repeated, 2);
        Assert.Equal(2 * once.Rows, LatentShardSet.Open(repeated, LatentCodecs.Dct).Rows);
    }
}
