using T2I.DataPrep.Tests.Support;
using System.Net;
using System.Net.Sockets;
using T2I.Core.Storage;
using T2I.Core.Tests.Storage;
using T2I.Core.Ingest;
using T2I.Core.Tests.Support;

namespace T2I.DataPrep.Tests.Ingest;

/// <summary>
/// An unreachable store ends the run with one line naming the store, its endpoint and what failed, and a
/// non-zero exit — never a stack trace — and never costs finished work or silently drops unread samples.
/// </summary>
public class StoreFailureTests(S3ServerFixture s3) : IClassFixture<S3ServerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly IngestOptions Named = new() { Source = "synth" };

    private static IngestRunner Runner(IBlobStore input, IBlobStore output, FilterConfig config) =>
        new(input, output, [256], config) { Options = Named };

    [Fact]
    public async Task OutputGoingDownAfterACommitKeepsThatShardAndTheRerunCompletesExactly()
    {
        using var tmp = new TempDir();
        var input = new LocalBlobStore(SynthSets.Get(40, 2, seed: 5));
        var config = FilterConfig.Load(SynthSets.Filters(tmp));
        await Runner(input, new LocalBlobStore(tmp.Sub("ref")), config).RunAsync();

        var output = new FailingStore(new LocalBlobStore(tmp.Sub("out"))) { GoDownAfterWriting = IngestLayout.CommitKey("synth_00000") };
        var e = await Assert.ThrowsAsync<StoreUnavailableException>(() => Runner(input, output, config).RunAsync());
        Assert.Equal("output", e.Role);
        Assert.Contains("shard synth_00001", e.Message);
        Assert.Contains("Connection refused", e.Message);

        output.Down = false; // the endpoint is back
        var rerun = await Runner(input, output, config).RunAsync();
        Assert.Equal((1, 1), (rerun.ShardsIngested, rerun.ShardsAlreadyDone)); // shard 00000 was kept, not redone
        OutputTrees.AssertIdentical(tmp.Sub("ref"), tmp.Sub("out"));
    }

    [Fact]
    public async Task InputConnectionDroppedMidTarIsAFailureNotATruncatedShard()
    {
        using var tmp = new TempDir();
        var source = new LocalBlobStore(SynthSets.Get(40, 2, seed: 5));
        var config = FilterConfig.Load(SynthSets.Filters(tmp));
        await Runner(source, new LocalBlobStore(tmp.Sub("ref")), config).RunAsync();

        // Before, a read error in the tar counted as a truncated archive: the shard was committed short.
        var cut = new FailingStore(source) { CutReadsOf = ("00001.tar", 20_000) };
        var output = new LocalBlobStore(tmp.Sub("out"));
        var e = await Assert.ThrowsAsync<StoreUnavailableException>(() => Runner(cut, output, config).RunAsync());
        Assert.Equal("input", e.Role);
        Assert.Contains("00001.tar", e.Message);
        // Cut while screening: shard 00000's screen is kept, 00001 is neither screened nor committed.
        Assert.True(await output.ExistsAsync(IngestLayout.ScreenedKey("synth_00000")));
        Assert.False(await output.ExistsAsync(IngestLayout.ScreenedKey("synth_00001")));
        Assert.Empty((await IngestManifest.LoadAsync(output, default))!.Shards);

        var rerun = await Runner(source, output, config).RunAsync();
        Assert.Equal(2, rerun.ShardsIngested);
        OutputTrees.AssertIdentical(tmp.Sub("ref"), tmp.Sub("out"));
    }

    [Fact]
    public async Task UnreachableS3EndpointGivesOneLineAndExitThree()
    {
        using var tmp = new TempDir();
        var endpoint = $"http://127.0.0.1:{ClosedPort()}";
        var env = new Dictionary<string, string> { ["T2I_S3_ENDPOINT"] = endpoint, ["T2I_S3_ACCESS_KEY"] = "k", ["T2I_S3_SECRET_KEY"] = "s" };
        var input = SynthSets.Get(40, 2, seed: 5);

        var (code, _, err) = await DataprepProcess.RunAsync(Timeout, env, "ingest", "--input", input, "--output", "s3://bucket/x", "--resolution", "256");
        AssertOneLineFailure(code, err, "output s3://bucket/x", endpoint);

        (code, _, err) = await DataprepProcess.RunAsync(Timeout, env, "ingest", "--input", "s3://bucket/in", "--output", tmp.Sub("out"), "--resolution", "256");
        AssertOneLineFailure(code, err, "input s3://bucket/in", endpoint);
        Assert.False(File.Exists(Path.Combine(tmp.Sub("out"), IngestManifest.Key)));

        (code, _, err) = await DataprepProcess.RunAsync(Timeout, env, "stats", "--input", "s3://bucket/out", "--chart", tmp.Sub("chart"));
        AssertOneLineFailure(code, err, "input s3://bucket/out", endpoint);

        (code, _, err) = await DataprepProcess.RunAsync(Timeout, env, "synth", "--output", "s3://bucket/synth", "--count", "4");
        AssertOneLineFailure(code, err, "output s3://bucket/synth", endpoint);
    }

    [Fact]
    public async Task MissingBucketOnARealS3ServerGivesOneLineAndExitThree()
    {
        var options = s3.OptionsFor("");
        var env = new Dictionary<string, string>
        {
            ["T2I_S3_ENDPOINT"] = options.ServiceUrl!, ["T2I_S3_ACCESS_KEY"] = options.AccessKey!, ["T2I_S3_SECRET_KEY"] = options.SecretKey!,
        };
        string bucket = "no-such-bucket-" + Guid.NewGuid().ToString("N")[..8];
        var (code, _, err) = await DataprepProcess.RunAsync(Timeout, env,
            "ingest", "--input", SynthSets.Get(40, 2, seed: 5), "--output", $"s3://{bucket}/x", "--resolution", "256");
        AssertOneLineFailure(code, err, $"output s3://{bucket}/x", options.ServiceUrl!);
        Assert.Contains("bucket does not exist", err);
    }

    private static void AssertOneLineFailure(int code, string err, string store, string endpoint)
    {
        Assert.Equal(3, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{err}");
        Assert.Contains($"cannot reach {store} (endpoint {endpoint})", lines[0]);
        Assert.DoesNotContain("Exception", lines[0]);
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there any more: connections are refused at once
        return port;
    }
}
