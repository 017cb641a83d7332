using T2I.DataPrep.Tests.Support;
using T2I.Core.Storage;
using T2I.Core.Ingest;
using T2I.Core.Tests.Support;

namespace T2I.DataPrep.Tests.Ingest;

public class BadInputTests
{
    [Fact]
    public async Task DamagedParquetAndGarbageTarsAreCountedAndTheRunContinues()
    {
        using var tmp = new TempDir();
        var input = SynthSets.Copy(SynthSets.Get(40, 1, seed: 2, defectShare: 0), tmp.Sub("in"));
        File.WriteAllBytes(Path.Combine(input, "00000.parquet"), "PAR1 this is not parquet"u8.ToArray());
        File.WriteAllBytes(Path.Combine(input, "00001.tar"), Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray());
        // A third shard whose tar is fine but whose Parquet has no LAION columns at all.
        File.Copy(Path.Combine(input, "00000.tar"), Path.Combine(input, "00002.tar"));
        await Parquet.Serialization.ParquetSerializer.SerializeAsync(new[] { new { foo = 1, bar = "x" } }, Path.Combine(input, "00002.parquet"));

        var s = await new IngestRunner(new LocalBlobStore(input), new LocalBlobStore(tmp.Sub("out")), [256],
            FilterConfig.Load(SynthSets.Filters(tmp)))
        {
            Options = new IngestOptions { Source = "s" },
        }.RunAsync();
        var m = s.Manifest.Shards.ToDictionary(p => p.Key["s_".Length..], p => p.Value);
        Assert.Equal(1, m["00000"].Problems["bad_parquet"]);
        Assert.Equal(40, m["00000"].Kept); // the json carries the metadata
        Assert.Equal(0, m["00001"].Samples);
        Assert.True(m["00001"].Problems.Values.Sum() >= 1);
        Assert.Equal(1, m["00002"].Problems["parquet_missing_columns"]);
        Assert.Equal(40, m["00002"].Drops[DropReasons.Duplicate]);
    }

    [Fact]
    public async Task UnusableConfigurationOrInputGivesAClearMessageAndNonZeroExit()
    {
        using var tmp = new TempDir();
        var input = SynthSets.Get(40, 1, seed: 2, defectShare: 0);

        File.WriteAllText(tmp.Sub("typo.json"), """{ "maxPUnsafee": 0.3 }""");
        var (code, err) = await InProcessCli.RunAsync("ingest", "--input", input, "--output", tmp.Sub("o1"), "--resolution", "256", "--config", tmp.Sub("typo.json"));
        Assert.Equal(2, code);
        Assert.Contains("maxPUnsafee", err);

        File.WriteAllText(tmp.Sub("range.json"), """{ "maxPWatermark": 3 }""");
        (code, err) = await InProcessCli.RunAsync("ingest", "--input", input, "--output", tmp.Sub("o2"), "--resolution", "256", "--config", tmp.Sub("range.json"));
        Assert.Equal(2, code);
        Assert.Contains("maxPWatermark", err);

        (code, err) = await InProcessCli.RunAsync("ingest", "--input", input, "--output", tmp.Sub("o3"), "--resolution", "250");
        Assert.Equal(2, code);
        Assert.Contains("multiple of 16", err);

        (code, err) = await InProcessCli.RunAsync("ingest", "--input", tmp.Sub("nowhere"), "--output", tmp.Sub("o4"), "--resolution", "256");
        Assert.Equal(3, code);
        Assert.Contains("No .tar shards", err);

        Directory.CreateDirectory(tmp.Sub("o5"));
        File.WriteAllText(tmp.Sub("o5/manifest.json"), "{ broken");
        (code, err) = await InProcessCli.RunAsync("ingest", "--input", input, "--output", tmp.Sub("o5"), "--resolution", "256");
        Assert.Equal(4, code);
        Assert.Equal("{ broken", File.ReadAllText(tmp.Sub("o5/manifest.json"))); // never overwritten
    }

    [Fact]
    public async Task NonUtf8AndControlCharacterCaptionsAreNotText()
    {
        Assert.Null(CaptionText.Decode([0x61, 0xFF, 0x62], out var r1));
        Assert.Equal(DropReasons.CaptionNotText, r1);
        Assert.Null(CaptionText.Check("abc\u0001def", out var r2));
        Assert.Equal(DropReasons.CaptionNotText, r2);
        Assert.Equal("a red circle", CaptionText.Decode("\uFEFF a red circle \n"u8.ToArray(), out _));
        Assert.Equal(DropReasons.CaptionTooShort, CaptionText.LengthProblem("ab", new FilterConfig()));
        Assert.Equal(DropReasons.CaptionEmpty, CaptionText.LengthProblem("", new FilterConfig()));
        await Task.CompletedTask;
    }

    [Fact]
    public void BlocklistMatchesHostAndSubdomainsOnly()
    {
        var b = new DomainBlocklist(["stockmark.example", "*.bad.example", "https://evil.example/path"]);
        Assert.True(b.IsBlocked("https://stockmark.example/a.jpg"));
        Assert.True(b.IsBlocked("http://cdn.img.STOCKMARK.example/a.jpg"));
        Assert.True(b.IsBlocked("https://x.bad.example/"));
        Assert.True(b.IsBlocked("https://evil.example:8443/q"));
        Assert.False(b.IsBlocked("https://notstockmark.example/a.jpg"));
        Assert.False(b.IsBlocked("https://stockmark.example.com/a.jpg"));
        Assert.False(b.IsBlocked("not a url"));
        Assert.False(b.IsBlocked(null));
    }
}
