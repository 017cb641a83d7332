using T2I.Core.Storage;
using T2I.Core.Tests.Storage;
using T2I.Core.Ingest;
using T2I.Core.Synthesis;
using T2I.Core.Tests.Support;

namespace T2I.Core.Tests.Ingest;

/// <summary>synth → ingest → stats against a real S3 endpoint (s3rver on loopback, the storage fixture).</summary>
public class S3EndToEndTests(S3ServerFixture s3) : IClassFixture<S3ServerFixture>
{
    [Fact]
    public async Task SynthIngestOnS3EqualsTheLocalRun()
    {
        using var tmp = new TempDir();
        var prefix = "e2e-" + Guid.NewGuid().ToString("N");
        using var input = new S3BlobStore(s3.OptionsFor(prefix + "/raw"));
        using var output = new S3BlobStore(s3.OptionsFor(prefix + "/buckets"));
        await SyntheticShards.WriteAsync(input, 40, 2, seed: 1);
        var config = FilterConfig.Load(SynthSets.Filters(tmp));
        var options = new IngestOptions { Source = "synth" };
        var onS3 = await new IngestRunner(input, output, [256], config) { Options = options }.RunAsync();

        var localInput = new LocalBlobStore(SynthSets.Get(40, 2, seed: 1));
        var local = await new IngestRunner(localInput, new LocalBlobStore(tmp.Sub("local")), [256], config)
        {
            Options = options,
        }.RunAsync();
        Assert.Equal(local.Kept, onS3.Kept);
        Assert.True(onS3.Kept > 0);
        // Every file of the local output exists on S3 with the same bytes.
        var localStore = new LocalBlobStore(tmp.Sub("local"));
        await foreach (var blob in localStore.ListAsync())
        {
            await using var a = await localStore.OpenReadAsync(blob.Key);
            await using var b = await output.OpenReadAsync(blob.Key);
            var ma = new MemoryStream(); await a.CopyToAsync(ma);
            var mb = new MemoryStream(); await b.CopyToAsync(mb);
            Assert.True(ma.ToArray().AsSpan().SequenceEqual(mb.ToArray()), $"{blob.Key} differs on S3");
        }
        var rerun = await new IngestRunner(input, output, [256], config) { Options = options }.RunAsync();
        Assert.Equal((0, 2), (rerun.ShardsIngested, rerun.ShardsAlreadyDone));
    }
}
