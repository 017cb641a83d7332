using System.Text.Json;
using SkiaSharp;
using T2I.Core.Data;
using T2I.Core.Emoji;
using T2I.Core.Storage;
using T2I.Core.Tests.Support;

namespace T2I.Core.Tests.Emoji;

public class EmojiShardsTests
{
    private sealed record Written(string Key, SKBitmap Image, string Caption, JsonElement Json);

    private static async Task<(EmojiReport Report, List<Written> Samples, string Out)> Build(TempDir tmp, SKColor background,
        int shardSize = 4)
    {
        var options = new EmojiOptions
        {
            Packages = new EmojiPackages(FakeEmojiPackages.Write(tmp.Sub("node_modules"))), Size = 64, ShardSize = shardSize,
            Background = background,
        };
        var report = await EmojiShards.WriteAsync(new LocalBlobStore(tmp.Sub("out")), options, new EmojiSkips());
        var samples = new List<Written>();
        foreach (var tar in Directory.GetFiles(tmp.Sub("out"), "*.tar").Order(StringComparer.Ordinal))
        {
            using var stream = File.OpenRead(tar);
            foreach (var s in new WebDatasetShardReader(stream).ReadSamples())
                samples.Add(new Written(s.Key, ImageCodec.Decode(s.Image!), System.Text.Encoding.UTF8.GetString(s.Caption!),
                    JsonDocument.Parse(s.Json!).RootElement.Clone()));
        }
        return (report, samples, tmp.Sub("out"));
    }

    private static string Label(Written w, string name) => w.Json.GetProperty("t2i_labels").GetProperty(name).GetString()!;

    [Fact]
    public async Task JoinsTheStylesByCodePointWithCaptionsVariantsAndStyleMetadata()
    {
        using var tmp = new TempDir();
        var (report, samples, _) = await Build(tmp, SKColors.White);

        Assert.Equal(4, report.Concepts);
        Assert.Equal(1, report.ConceptsInAllStyles); // red heart's flat SVG is broken, dog and grinning face lack styles
        Assert.Equal(new Dictionary<string, int>
        {
            ["google"] = 3, ["twitter"] = 2, ["fluent-3d"] = 2, ["fluent"] = 3,
            ["fluent-flat"] = 1
        }, report.PairsByStyle);
        Assert.Equal(11, samples.Count);
        Assert.Equal(4, report.Shards); // 13 pairs planned, 4 a shard

        // 2764-FE0F (emojibase, datasource), 2764-fe0f.webp (fluent-3d) and "red-heart" (Iconify) are one concept.
        var hearts = samples.Where(s => s.Caption == "red heart").ToList();
        Assert.Equal(["google", "twitter", "fluent-3d", "fluent"], hearts.Select(h => Label(h, "style")));
        Assert.All(hearts, h => Assert.Equal(("2764-FE0F", "smileys-emotion", "emotion"),
            (Label(h, "concept"), Label(h, "group"), Label(h, "subgroup"))));

        var apple = samples.First(s => s.Caption == "red apple");
        Assert.Equal("red apple", apple.Json.GetProperty("caption").GetString());
        Assert.Equal(["apple", "fruit", "red"], apple.Json.GetProperty("caption_variants").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("pkg:npm/emoji-datasource-google@16.0.0#img/google/64/1f34e.png", apple.Json.GetProperty("url").GetString());
        var dog = samples.Single(s => s.Caption == "dog");
        Assert.Equal("fluent", Label(dog, "style"));
        Assert.Equal(["pet"], dog.Json.GetProperty("caption_variants").EnumerateArray().Select(v => v.GetString())); // not the label
        Assert.All(samples, s => Assert.Equal((64, 64), (s.Image.Width, s.Image.Height)));
    }

    [Fact]
    public async Task ParquetRowsCarryStyleGroupAndTheIngestReaderKeepsThem()
    {
        using var tmp = new TempDir();
        var (_, _, output) = await Build(tmp, SKColors.White, shardSize: 100);
        var rows = (await Parquet.Serialization.ParquetSerializer.DeserializeAsync<EmojiRow>(Path.Combine(output, "00000.parquet"))).Data;
        Assert.Equal(11, rows.Count);
        var apple = rows.Single(r => r.Style == "fluent-3d" && r.Hexcode == "1F34E");
        Assert.Equal(("red apple", "food-drink", "food-fruit", 128), (apple.Caption, apple.Group, apple.Subgroup, apple.OriginalWidth));

        var summary = await new T2I.Core.Ingest.IngestRunner(new LocalBlobStore(output), new LocalBlobStore(tmp.Sub("buckets")), [64],
            T2I.Core.Ingest.FilterConfig.Load(null)).RunAsync();
        // 64×64 sources pass at resolution 64, and missing LAION scores pass: nothing is dropped.
        Assert.Equal(11, summary.Kept);
        Assert.DoesNotContain(summary.Manifest.Shards.Values.Single().Drops, d => d.Value > 0);
        await using var bucket = File.OpenRead(Directory.GetFiles(tmp.Sub("buckets/res64/64x64"), "*.parquet").Single());
        var kept = await BucketShardFile.ReadAsync(bucket);
        Assert.Contains(kept, r => r.Caption == "red apple" && r.Labels!.Contains("\"style\":\"fluent-3d\""));
    }

    [Fact]
    public async Task AlphaIsCompositedOnTheBackground()
    {
        using var tmp = new TempDir();
        var (_, samples, _) = await Build(tmp, new SKColor(0x10, 0x20, 0x30));
        foreach (var style in new[] { "google", "fluent-3d" })
        {
            var img = samples.First(s => s.Caption == "red apple" && Label(s, "style") == style).Image;
            Assert.All(img.Pixels, p => Assert.Equal(255, p.Alpha));
            AssertNear(new SKColor(0x10, 0x20, 0x30), img.GetPixel(40, 60), 6, $"{style} background");
            AssertNear(SKColors.Red, img.GetPixel(32, 32), 10, $"{style} picture");
            // Half-transparent blue over the background: half of each.
            AssertNear(new SKColor(0x08, 0x10, 0x98), img.GetPixel(3, 3), 12, $"{style} blended");
        }
        // The SVG "dog" is the hFlip alias of a left-half icon: red lies on the right.
        var dog = samples.Single(s => s.Caption == "dog").Image;
        AssertNear(SKColors.Red, dog.GetPixel(56, 32), 10, "dog right");
        AssertNear(new SKColor(0x10, 0x20, 0x30), dog.GetPixel(8, 32), 6, "dog left");
    }

    private static void AssertNear(SKColor expected, SKColor actual, int tolerance, string what) =>
        Assert.True(Math.Abs(expected.Red - actual.Red) <= tolerance && Math.Abs(expected.Green - actual.Green) <= tolerance
            && Math.Abs(expected.Blue - actual.Blue) <= tolerance && actual.Alpha == 255, $"{what}: expected {expected}, got {actual}");

    [Fact]
    public async Task BadEntriesAreSkippedAndCountedByReason()
    {
        using var tmp = new TempDir();
        var (report, _, _) = await Build(tmp, SKColors.White);
        Assert.Equal(new Dictionary<string, int>
        {
            [EmojiSkips.BadEntry] = 2, [EmojiSkips.BadImage] = 2, [EmojiSkips.MissingFile] = 1, [EmojiSkips.NoCaption] = 2,
            [EmojiSkips.SkinTone] = 2,
        }, report.Skips);
    }

    [Fact]
    public void AMissingPackageIsOneLineNamingTheInstallStep()
    {
        using var tmp = new TempDir();
        var options = new EmojiOptions { Packages = new EmojiPackages(FakeEmojiPackages.Write(tmp.Sub("nm"), withTwitter: false)) };
        var e = Assert.Throws<EmojiPackageMissingException>(() => EmojiJoin.Build(options, new EmojiSkips()));
        Assert.Equal("emoji-datasource-twitter", e.Package);
        Assert.Contains("bash infra/install-deps.sh", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        // Without that style the rest builds.
        var join = EmojiJoin.Build(options with { Styles = EmojiStyle.Parse("google,fluent") }, new EmojiSkips());
        Assert.Equal(4, join.Concepts.Count);
    }
}
