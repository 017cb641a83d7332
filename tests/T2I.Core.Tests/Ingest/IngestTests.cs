using System.Text.Json;
using T2I.Core.Data;
using T2I.Core.Storage;
using T2I.Core.Ingest;
using T2I.Core.Synthesis;
using T2I.Core.Tests.Support;

namespace T2I.Core.Tests.Ingest;

public class IngestTests
{
    /// <summary>One source tag for every input folder, so runs over different copies of a set name their outputs alike.</summary>
    private static async Task<IngestSummary> Ingest(string input, string output, string config, params int[] res) =>
        await new IngestRunner(new LocalBlobStore(input), new LocalBlobStore(output), res, FilterConfig.Load(config))
        {
            Options = new IngestOptions { Source = "synth" },
        }.RunAsync();

    [Fact]
    public async Task EveryPlantedDefectIsDroppedAndCountedByItsReason()
    {
        using var tmp = new TempDir();
        var input = SynthSets.Get(120, 3, seed: 1);
        var summary = await Ingest(input, tmp.Sub("out"), SynthSets.Filters(tmp), 256);

        var gen = new SyntheticLaionGenerator(1, 120, 3);
        var planted = Enumerable.Range(0, 3).SelectMany(gen.Shard).ToList();
        var expected = planted.Where(s => s.Defect != SyntheticDefect.None)
            .GroupBy(s => SyntheticDefects.ExpectedDropReason(s.Defect)).ToDictionary(g => g.Key, g => (long)g.Count());
        var counted = summary.Manifest.Shards.Values.SelectMany(s => s.Drops)
            .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value));

        Assert.Equal(expected.OrderBy(p => p.Key), counted.OrderBy(p => p.Key));
        Assert.Equal(planted.Count(s => s.Defect == SyntheticDefect.None), summary.Kept);
        Assert.Equal(120, summary.Samples);
        Assert.Equal(1, summary.Manifest.Shards["synth_00001"].Problems["truncated_member"]); // the odd shard's cut tail
    }

    [Fact]
    public async Task OutputRowsHoldBucketSizedImagesWithCaptionsAndProvenance()
    {
        using var tmp = new TempDir();
        var input = SynthSets.Get(60, 2, seed: 2, defectShare: 0);
        var summary = await Ingest(input, tmp.Sub("out"), SynthSets.Filters(tmp), 256, 512);
        var store = new LocalBlobStore(tmp.Sub("out"));

        var rows256 = new List<BucketRow>();
        await foreach (var blob in store.ListAsync("res"))
        {
            var (res, bucket, shard) = BucketLayout.Parse(blob.Key)!.Value;
            Assert.True(AspectBuckets.Contains(res, bucket.Width, bucket.Height));
            await using var s = await store.OpenReadAsync(blob.Key);
            foreach (var row in await BucketShardFile.ReadAsync(s))
            {
                Assert.Equal(shard, row.SourceShard);
                using var img = ImageCodec.Decode(row.Image);
                Assert.Equal((bucket.Width, bucket.Height), (img.Width, img.Height));
                Assert.Equal(bucket, AspectBuckets.Nearest(res, row.OriginalWidth, row.OriginalHeight));
                Assert.True(Math.Min(row.OriginalWidth, row.OriginalHeight) >= res);
                var labels = JsonDocument.Parse(row.Labels!).RootElement;
                Assert.Contains(labels.GetProperty("shape").GetString()!, row.Caption);
                Assert.Matches("^[0-9a-f]{64}$", row.Sha256);
                Assert.NotNull(row.Aesthetic);
                if (res == 256) rows256.Add(row);
            }
        }
        Assert.Equal(60, summary.Kept);
        Assert.Equal(60, rows256.Select(r => r.Key).Distinct().Count()); // every image reaches 256 (short side ≥ 300)
        long at512 = summary.Manifest.Shards.Values.Sum(s => s.Buckets.Where(b => b.Key.StartsWith("res512/")).Sum(b => b.Value));
        long skipped512 = summary.Manifest.Shards.Values.Sum(s => s.SkippedAtResolution.GetValueOrDefault("res512"));
        Assert.Equal(60, at512 + skipped512);
        Assert.True(at512 > 0 && skipped512 > 0, "some images are large enough for 512, some are not");
    }

    [Fact]
    public async Task RerunIngestsOnlyNewShardsAndEndsIdenticalToOneRun()
    {
        using var tmp = new TempDir();
        var all = SynthSets.Get(120, 3, seed: 1);
        string config = SynthSets.Filters(tmp);
        await Ingest(all, tmp.Sub("once"), config, 256);

        var growing = SynthSets.Copy(all, tmp.Sub("in"), f => !f.StartsWith("00002"));
        var first = await Ingest(growing, tmp.Sub("twice"), config, 256);
        Assert.Equal(2, first.ShardsIngested);
        var again = await Ingest(growing, tmp.Sub("twice"), config, 256);
        Assert.Equal((0, 2), (again.ShardsIngested, again.ShardsAlreadyDone));
        foreach (var f in Directory.GetFiles(all, "00002*")) File.Copy(f, Path.Combine(growing, Path.GetFileName(f)));
        var third = await Ingest(growing, tmp.Sub("twice"), config, 256);
        Assert.Equal((1, 2), (third.ShardsIngested, third.ShardsAlreadyDone));

        OutputTrees.AssertIdentical(tmp.Sub("once"), tmp.Sub("twice"));
    }

    [Fact]
    public async Task DuplicatesAreFoundAcrossRunsThroughTheHashLists()
    {
        using var tmp = new TempDir();
        var src = SynthSets.Get(40, 1, seed: 9, defectShare: 0);
        // The same shard under a second name: every image is an exact duplicate of one already committed.
        var input = SynthSets.Copy(src, tmp.Sub("in"));
        await Ingest(input, tmp.Sub("out"), SynthSets.Filters(tmp), 256);
        foreach (var f in Directory.GetFiles(src)) File.Copy(f, Path.Combine(input, Path.GetFileName(f).Replace("00000", "00007")));
        var rerun = await Ingest(input, tmp.Sub("out"), SynthSets.Filters(tmp), 256);
        var rec = rerun.Manifest.Shards["synth_00007"];
        Assert.Equal(40, rec.Drops[DropReasons.Duplicate]);
        Assert.Equal(0, rec.Kept);
    }
}
