using T2I.Core.Data;
using T2I.Core.Storage;
using T2I.Core.Ingest;
using T2I.DataPrep.Stats;
using T2I.Core.Tests.Support;

namespace T2I.DataPrep.Tests.Stats;

public class StatsTests
{
    [Fact]
    public async Task StatsAgreeWithTheFilesAndChartsAreWritten()
    {
        using var tmp = new TempDir();
        var out1 = tmp.Sub("out");
        await new IngestRunner(new LocalBlobStore(SynthSets.Get(120, 3, seed: 1)), new LocalBlobStore(out1), [256], FilterConfig.Load(SynthSets.Filters(tmp))).RunAsync();

        var store = new LocalBlobStore(out1);
        var stats = IngestStats.From((await IngestManifest.LoadAsync(store, default))!);
        // Rows per bucket from the manifest equal the rows actually in the Parquet files.
        var fromFiles = new Dictionary<string, long>();
        await foreach (var blob in store.ListAsync("res256/"))
        {
            var (res, bucket, _) = BucketLayout.Parse(blob.Key)!.Value;
            await using var s = await store.OpenReadAsync(blob.Key);
            string k = $"res{res}/{bucket.Name}";
            fromFiles[k] = fromFiles.GetValueOrDefault(k) + (await BucketShardFile.RowGroupSizesAsync(s)).Sum();
        }
        Assert.Equal(fromFiles.OrderBy(p => p.Key, StringComparer.Ordinal), stats.Buckets.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(stats.Samples, stats.Kept + stats.Drops.Values.Sum());
        Assert.Equal(3, stats.Shards);

        var console = new StringWriter();
        var oldOut = Console.Out;
        Console.SetOut(console);
        int code;
        try { code = await Program.BuildRoot().Parse(["stats", "--input", out1, "--chart", tmp.Sub("chart/s")]).InvokeAsync(); }
        finally { Console.SetOut(oldOut); }
        Assert.Equal(0, code);
        foreach (var png in new[] { "chart/s-buckets.png", "chart/s-drops.png" })
        {
            var bytes = File.ReadAllBytes(tmp.Sub(png));
            Assert.True(bytes.Length > 5000, $"{png} is suspiciously small");
            Assert.Equal("png", ImageCodec.ReadHeader(bytes).Format);
        }
    }

    [Fact]
    public async Task StatsWithoutAManifestIsAClearError()
    {
        using var tmp = new TempDir();
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try { Assert.Equal(3, await Program.BuildRoot().Parse(["stats", "--input", tmp.Path]).InvokeAsync()); }
        finally { Console.SetError(old); }
        Assert.Contains("manifest.json", err.ToString());
    }
}
