using T2I.Core.Data;
using T2I.Core.Inference;
using T2I.Training.Dit;
using T2I.Training.Tests.Loop;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Dit;

/// <summary>Latent shards stored in bf16 or fp16: half the bytes, recorded in latents.json, read back exactly.</summary>
[Collection(GlobalTorchState.Name)]
public class LatentStorageTests
{
    [Theory]
    [InlineData(LatentStorage.BFloat16, ScalarType.BFloat16)]
    [InlineData(LatentStorage.Float16, ScalarType.Float16)]
    public void HalfPrecisionShardsHoldTheFp32LatentsRoundedAndDecodeExactly(string dtype, ScalarType type)
    {
        using var tmp = new TempDir();
        string data = DitTestData.WriteShards(tmp.Sub("data"), perBucket: 8);
        LatentEncodeSummary Encode(string output, string storage) => LatentEncoder.Run(
            new LatentEncodeJob(data, 64, 64, tmp.Sub(output)) { Dtype = storage }, new DctPatchCodec(), LatentCodecs.Dct, CPU, _ => { });
        Encode("fp32", LatentStorage.Float32);
        Encode("half", dtype);
        var full = LatentShardSet.Open(tmp.Sub("fp32"), LatentCodecs.Dct);
        var half = LatentShardSet.Open(tmp.Sub("half"), LatentCodecs.Dct);
        Assert.Equal(dtype, half.Manifest.Dtype);

        // Row by row in the same order: each stored latent is the fp32 one rounded by torch, bit for bit, in half the bytes.
        var identity = LatentNormalization.Identity(full.Manifest.Channels);
        var a = full.OpenReader(new BucketBatchOptions(4, 0)).ReadAsync(BucketReaderPosition.Start, epochs: 1).ToBlockingEnumerable().ToList();
        var b = half.OpenReader(new BucketBatchOptions(4, 0)).ReadAsync(BucketReaderPosition.Start, epochs: 1).ToBlockingEnumerable().ToList();
        Assert.Equal(a.Count, b.Count);
        foreach (var (x, y) in a.Zip(b))
        {
            Assert.Equal(x.Rows.Select(r => r.Image.Length / 2), y.Rows.Select(r => r.Image.Length));
            using var scope = NewDisposeScope();
            var expected = full.ToBatch(x, identity, CPU).Latents.to_type(type).to_type(ScalarType.Float32);
            var actual = half.ToBatch(y, identity, CPU).Latents;
            Assert.True(TensorAssert.BitEqual(expected, actual), "the stored latents are not the fp32 ones rounded");
        }
        // Statistics describe the stored (rounded) latents: close to the fp32 set's, not equal.
        var (s32, s16) = (full.Statistics(true), half.Statistics(true));
        Assert.All(s32.Std.Zip(s16.Std), p => Assert.InRange(Math.Abs(p.First - p.Second), 0, 0.01 * p.First + 1e-6));
    }

    [Fact]
    public void AnUnknownDtypeIsRefusedBeforeAnythingIsWritten()
    {
        using var tmp = new TempDir();
        var job = new LatentEncodeJob(tmp.Sub("data"), 64, 64, tmp.Sub("out")) { Dtype = "int8" };
        var e = Assert.Throws<ArgumentException>(job.Validate);
        Assert.Contains("float32, bfloat16, float16", e.Message);
        Assert.False(Directory.Exists(tmp.Sub("out")));
    }
}
