using T2I.Core.Data;
using T2I.Core.Inference;
using T2I.Core.Latents;
using T2I.Training.Dit;
using T2I.Training.Tests.Loop;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Dit;

/// <summary>`training encode-latents`: partitioned, resumable, idempotent, and never mixing codecs.</summary>
[Collection(GlobalTorchState.Name)]
public class EncodeLatentsTests
{
    private static readonly DctPatchCodec Dct = new();

    private static LatentEncodeSummary Encode(string data, string output, int index = 0, int count = 1) =>
        LatentEncoder.Run(new LatentEncodeJob(data, 64, 64, output) { ShardIndex = index, ShardCount = count }, Dct,
            LatentCodecs.Dct, CPU, _ => { });

    /// <summary>Every file under a folder, relative path → bytes.</summary>
    private static SortedDictionary<string, byte[]> Files(string root) => new(Directory.GetFiles(root, "*", SearchOption.AllDirectories)
        .ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllBytes), StringComparer.Ordinal);

    [Fact]
    public void TwoShardIndexHalvesTogetherEqualOneFullRun()
    {
        using var tmp = new TempDir();
        string data = DitTestData.WriteShards(tmp.Sub("data"), perBucket: 12, sources: 4);
        var full = Encode(data, tmp.Sub("full"));
        Assert.Equal((8, 8, 24L), (full.Inputs, full.Encoded, full.Rows));

        var first = Encode(data, tmp.Sub("halves"), 0, 2);
        Assert.True(first.Encoded is > 0 and < 8, $"the first half took {first.Encoded} of 8 input shards");
        Assert.Equal(8 - first.Encoded, first.OtherShards);
        // half a set is not a dataset: training refuses it until the other half is there
        var half = Assert.Throws<InvalidDataException>(() => LatentShardSet.Open(tmp.Sub("halves"), LatentCodecs.Dct));
        Assert.Contains($"{first.Encoded} of 8 input shards encoded", half.Message);
        var second = Encode(data, tmp.Sub("halves"), 1, 2);
        Assert.Equal((8 - first.Encoded, first.Encoded), (second.Encoded, second.AlreadyDone));

        var expected = Files(tmp.Sub("full"));
        var actual = Files(tmp.Sub("halves"));
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (name, bytes) in expected) Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"{name} differs");
        Assert.Equal(24, LatentShardSet.Open(tmp.Sub("halves"), LatentCodecs.Dct).Rows);
    }

    [Fact]
    public void AKilledRunRedoesOnlyItsUnfinishedShardAndEndsByteIdentical()
    {
        using var tmp = new TempDir();
        string data = DitTestData.WriteShards(tmp.Sub("data"), perBucket: 8, sources: 2);
        string output = tmp.Sub("latents");
        Encode(data, output);
        var complete = Files(output);
        // Killed while writing one input shard: some of its files may be there, its done marker is not.
        string marker = Directory.GetFiles(Path.Combine(output, "done")).Order(StringComparer.Ordinal).First();
        string stem = Path.GetFileNameWithoutExtension(marker);
        File.Delete(marker);
        string written = Directory.GetFiles(output, $"{stem}.parquet", SearchOption.AllDirectories).Single();
        File.WriteAllBytes(written, [1, 2, 3]);

        var again = Encode(data, output);
        Assert.Equal((1, 3), (again.Encoded, again.AlreadyDone));
        var resumed = Files(output);
        Assert.Equal(complete.Keys, resumed.Keys);
        foreach (var (name, bytes) in complete) Assert.True(bytes.AsSpan().SequenceEqual(resumed[name]), $"{name} differs");
        Assert.Equal((0, 4), (Encode(data, output).Encoded, Encode(data, output).AlreadyDone)); // idempotent: nothing to do
    }

    [Fact]
    public void LatentsOfAnotherCodecAreNeverMixedIn()
    {
        using var tmp = new TempDir();
        string data = DitTestData.WriteShards(tmp.Sub("data"), perBucket: 8);
        Encode(data, tmp.Sub("latents"));
        string tokenizer = DitTestData.WriteTokenizerRun(tmp.Sub("tok"), seed: 1);
        var source = LatentCodecs.Describe(tokenizer);
        var codec = LatentCodecs.Open(source);
        var job = new LatentEncodeJob(data, 64, 64, tmp.Sub("latents"));
        var mixed = Assert.Throws<InvalidOperationException>(() => LatentEncoder.Run(job, codec, source.Identity, CPU, _ => { }));
        Assert.Contains("holds latents of codec 'dct'", mixed.Message);
        var train = Assert.Throws<InvalidDataException>(() => LatentShardSet.Open(tmp.Sub("latents"), source.Identity));
        Assert.Contains("encode the data with this codec", train.Message);
    }

    [Fact]
    public void ShardsHoldEachRowsLatentCaptionAndKeyAndTheStatisticsOfAllOfThem()
    {
        using var tmp = new TempDir();
        string data = DitTestData.WriteShards(tmp.Sub("data"), perBucket: 8);
        Encode(data, tmp.Sub("latents"));
        var set = LatentShardSet.Open(tmp.Sub("latents"), LatentCodecs.Dct);
        var reader = ShardRows.Open(data, 64);
        int skipped = 0;
        var images = ShardRows.Read(reader, 0, ref skipped).ToDictionary(r => r.Key);
        var identity = LatentNormalization.Identity(set.Manifest.Channels);
        var all = new List<Tensor>();
        var batches = set.OpenReader(new BucketBatchOptions(4, 0));
        foreach (var batch in batches.ReadAsync(BucketReaderPosition.Start, epochs: 1).ToBlockingEnumerable())
        {
            using var dit = set.ToBatch(batch, identity, CPU);
            for (int i = 0; i < batch.Rows.Count; i++)
            {
                var source = images[batch.Rows[i].Key];
                Assert.Equal(source.Caption, dit.Captions[i]);
                using var expected = Dct.Encode(ShardRows.ToTensor(source, batch.Bucket)!.unsqueeze(0));
                Assert.True(TensorAssert.BitEqual(expected, dit.Latents[i..(i + 1)]), $"latent of {source.Key}");
            }
            all.Add(dit.Latents.clone());
        }
        Assert.Equal(16, all.Sum(z => z.shape[0]));
        var stats = set.Statistics(perChannelStd: true);
        var direct = LatentNormalization.Compute(all);
        Assert.Equal(direct.Mean, stats.Mean, (a, b) => Math.Abs(a - b) < 1e-5);
        Assert.Equal(direct.Std, stats.Std, (a, b) => Math.Abs(a - b) < 1e-5);
    }
}
