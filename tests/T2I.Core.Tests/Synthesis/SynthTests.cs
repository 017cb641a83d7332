using System.Text.Json;
using T2I.Core.Data;
using T2I.Core.Storage;
using T2I.Core.Synthesis;
using T2I.Core.Tests.Support;

namespace T2I.Core.Tests.Synthesis;

public class SynthTests
{
    [Fact]
    public async Task SameSeedGivesIdenticalShardsOtherSeedDiffers()
    {
        using var tmp = new TempDir();
        await SyntheticShards.WriteAsync(new LocalBlobStore(tmp.Sub("a")), 24, 2, seed: 5);
        await SyntheticShards.WriteAsync(new LocalBlobStore(tmp.Sub("b")), 24, 2, seed: 5);
        await SyntheticShards.WriteAsync(new LocalBlobStore(tmp.Sub("c")), 24, 2, seed: 6);
        var names = Directory.GetFiles(tmp.Sub("a")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["00000.parquet", "00000.tar", "00000_stats.json", "00001.parquet", "00001.tar", "00001_stats.json"], names);
        foreach (var n in names) Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.Sub("a"), n!)), File.ReadAllBytes(Path.Combine(tmp.Sub("b"), n!)));
        Assert.NotEqual(File.ReadAllBytes(tmp.Sub("a/00000.tar")), File.ReadAllBytes(tmp.Sub("c/00000.tar")));
    }

    [Fact]
    public void CaptionsStateTheLabelsAndImagesVary()
    {
        var gen = new SyntheticLaionGenerator(seed: 3, count: 60, shards: 1, defectShare: 0);
        var samples = gen.Shard(0);
        var sizes = new HashSet<(int, int)>();
        foreach (var s in samples)
        {
            using var doc = JsonDocument.Parse(s.Json);
            var labels = doc.RootElement.GetProperty("t2i_labels");
            string caption = System.Text.Encoding.UTF8.GetString(s.CaptionBytes);
            foreach (var field in new[] { "shape", "color", "background", "size" })
                Assert.Contains(labels.GetProperty(field).GetString()!, caption);
            var header = ImageCodec.ReadHeader(s.Image);
            Assert.Equal((s.Meta.Width, s.Meta.Height), (header.Width, header.Height));
            Assert.InRange(Math.Min(header.Width, header.Height), 300, 1500);
            Assert.InRange(Math.Max(header.Width, header.Height), 300, 1500);
            Assert.Equal("success", s.Meta.Status);
            Assert.StartsWith("https://", s.Meta.Url);
            sizes.Add((header.Width, header.Height));
        }
        Assert.True(sizes.Select(s => Math.Round((double)s.Item1 / s.Item2, 1)).Distinct().Count() >= 6, "many aspect ratios");
        Assert.True(samples.Select(s => s.Extension).Distinct().Count() >= 2, "JPEG and at least one other format");
    }

    [Fact]
    public void DefectsArePlantedAtTheRequestedShareAndAllKindsAppear()
    {
        var gen = new SyntheticLaionGenerator(seed: 1, count: 120, shards: 3);
        var all = Enumerable.Range(0, 3).SelectMany(gen.Shard).ToList();
        var kinds = all.Where(s => s.Defect != SyntheticDefect.None).GroupBy(s => s.Defect).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Enum.GetValues<SyntheticDefect>().Length - 1, kinds.Count);
        Assert.InRange(kinds.Values.Sum(), 28, 34); // 25 % of 120 plus the truncated tail of the odd shard
        var dup = all.First(s => s.Defect == SyntheticDefect.Duplicate);
        Assert.Contains(all, s => s != dup && s.Image.SequenceEqual(dup.Image));
    }
}
