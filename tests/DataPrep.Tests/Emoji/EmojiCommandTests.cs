using T2I.Core.Tests.Support;
using T2I.DataPrep.Tests.Support;

namespace T2I.DataPrep.Tests.Emoji;

public class EmojiCommandTests
{
    private static Task<(int Code, string Out, string Err)> Run(params string[] args) =>
        DataprepProcess.RunAsync(TimeSpan.FromMinutes(2), (IReadOnlyDictionary<string, string>?)null, args);

    [Fact]
    public async Task WritesShardsThatIngestReadsAtTheirOwnSize()
    {
        using var tmp = new TempDir();
        string packages = FakeEmojiPackages.Write(tmp.Sub("node_modules"));
        var (code, stdout, stderr) = await Run("emoji", "--packages", packages, "--output",
            tmp.Sub("raw"), "--shard-size", "5", "--background", "#f0f0f0");
        Assert.True(code == 0, stderr);
        Assert.Contains("wrote 11 images of 4 concepts (1 in every chosen style) in 3 shards", stdout);
        Assert.Contains("bad_image 2", stdout);
        Assert.Contains("(bad_image)", stderr); // each skip is logged
        Assert.Equal(3, Directory.GetFiles(tmp.Sub("raw"), "*.tar").Length);

        (code, stdout, stderr) = await Run("ingest", "--input", tmp.Sub("raw"), "--output",
            tmp.Sub("buckets"), "--resolution", "64");
        Assert.True(code == 0, stderr);
        Assert.Contains("11 samples, 11 kept", stdout);
    }

    [Fact]
    public async Task AMissingPackageIsOneLineNamingTheInstallStep()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp.Sub("empty"));
        var (code, stdout, stderr) = await Run("emoji", "--packages", tmp.Sub("empty"),
            "--output", tmp.Sub("raw"));
        Assert.Equal(1, code);
        Assert.Equal($"error: emoji package 'emojibase-data' is not installed under {tmp.Sub("empty")}: run " +
            "`bash infra/install-deps.sh`", stderr.Trim());
        Assert.False(Directory.Exists(tmp.Sub("raw")) && Directory.GetFiles(tmp.Sub("raw")).Length > 0, stdout);
    }

    [Fact]
    public async Task AnUnknownStyleIsRefusedBeforeAnyWork()
    {
        using var tmp = new TempDir();
        var (code, _, stderr) = await Run("emoji", "--styles", "google,apple", "--output",
            tmp.Sub("raw"));
        Assert.Equal(2, code);
        Assert.StartsWith("emoji: Unknown emoji style 'apple'", stderr.Trim());
    }
}
