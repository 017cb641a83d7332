using Amazon.Runtime;
using T2I.Core.Storage;

namespace T2I.Core.Tests.Storage;

/// <summary>What only the S3 store has: options, multipart on the wire, the chunk-encoding trap.</summary>
[Collection(BlobStoreCollection.Name)]
public sealed class S3BlobStoreTests(BlobStoreFixture fixture)
{
    private S3BlobStore NewStore(Func<S3StoreOptions, S3StoreOptions>? tweak = null)
    {
        var options = fixture.S3.OptionsFor("s3only/" + Guid.NewGuid().ToString("N"));
        return new S3BlobStore(tweak is null ? options : tweak(options));
    }

    private static List<string> RecordRequests(S3BlobStore store)
    {
        var sent = new List<string>();
        ((AmazonServiceClient)store.Client).BeforeRequestEvent += (_, e) =>
        {
            lock (sent) sent.Add(((WebServiceRequestEventArgs)e).Request.GetType().Name);
        };
        return sent;
    }

    [Fact]
    public async Task Streams_longer_than_one_part_become_a_multipart_upload()
    {
        using var store = NewStore(o => o with { PartSize = S3StoreOptions.MinPartSize });
        var sent = RecordRequests(store);
        var bytes = TestStreams.Random(S3StoreOptions.MinPartSize * 2 + 123, seed: 11);
        await store.WriteAsync("mp.bin", new MemoryStream(bytes));
        Assert.Equal(
            ["InitiateMultipartUploadRequest", "UploadPartRequest", "UploadPartRequest", "UploadPartRequest",
             "CompleteMultipartUploadRequest"], sent);

        sent.Clear();
        await store.WriteAsync("single.bin", new MemoryStream(bytes, 0, S3StoreOptions.MinPartSize - 1));
        Assert.Equal(["PutObjectRequest"], sent);
        Assert.Equal(bytes, await TestStreams.ReadAllAsync(await store.OpenReadAsync("mp.bin")));
    }

    [Fact]
    public async Task Cancelling_a_multipart_write_leaves_no_object()
    {
        using var store = NewStore(o => o with { PartSize = S3StoreOptions.MinPartSize });
        var sent = RecordRequests(store);
        using var cts = new CancellationTokenSource();
        var bytes = TestStreams.Random(S3StoreOptions.MinPartSize * 3, seed: 12);
        var slow = new TrickleStream(bytes, chunk: 1 << 20, pause: TimeSpan.FromMilliseconds(30));
        var write = store.WriteAsync("cancelled.bin", slow, cts.Token);
        while (slow.Position < S3StoreOptions.MinPartSize + (2 << 20)) await Task.Delay(10);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => write);
        Assert.False(await store.ExistsAsync("cancelled.bin"));
        // The abort uses its own token, so it is sent although the caller's token is cancelled. (s3rver
        // answers it with 405 — it does not implement aborts — which the store tolerates; S3 and MinIO do.)
        Assert.Contains("AbortMultipartUploadRequest", sent);
        Assert.DoesNotContain("CompleteMultipartUploadRequest", sent);
    }

    [Fact]
    public async Task Chunk_encoding_option_reaches_the_wire_and_is_why_it_defaults_off()
    {
        // s3rver stores aws-chunked framing verbatim; this pins that the option is honoured (and shows the
        // corruption it would cause on s3rver if it were on by default).
        using var chunked = NewStore(o => o with { UseChunkEncoding = true });
        await chunked.WriteAsync("c.txt", new MemoryStream("hello"u8.ToArray()));
        var stored = await TestStreams.ReadAllAsync(await chunked.OpenReadAsync("c.txt"));
        Assert.NotEqual("hello"u8.ToArray(), stored);
        Assert.Contains("chunk-signature", System.Text.Encoding.ASCII.GetString(stored));

        using var plain = NewStore();
        Assert.False(plain.Options.UseChunkEncoding);
        await plain.WriteAsync("c.txt", new MemoryStream("hello"u8.ToArray()));
        Assert.Equal("hello"u8.ToArray(), await TestStreams.ReadAllAsync(await plain.OpenReadAsync("c.txt")));
    }

    [Fact]
    public async Task Stores_under_different_prefixes_do_not_see_each_other()
    {
        using var a = NewStore();
        using var b = NewStore(o => o with { Prefix = o.Prefix + "-b/" });
        await a.WriteAsync("k.bin", new MemoryStream([1]));
        await b.WriteAsync("k.bin", new MemoryStream([2]));
        Assert.Equal([1], await TestStreams.ReadAllAsync(await a.OpenReadAsync("k.bin")));
        var keys = new List<string>();
        await foreach (var info in a.ListAsync()) keys.Add(info.Key);
        Assert.Equal(["k.bin"], keys);
        Assert.Equal($"s3://{S3ServerFixture.Bucket}/{b.Options.Prefix.TrimEnd('/')}", b.Location);
    }

    [Fact]
    public async Task Open_with_an_s3_location_takes_bucket_and_prefix_from_it_and_the_rest_from_options()
    {
        var prefix = "opened/" + Guid.NewGuid().ToString("N");
        var baseOptions = fixture.S3.OptionsFor("ignored") with { Bucket = "ignored-too" };
        var store = Assert.IsType<S3BlobStore>(BlobStores.Open($"s3://{S3ServerFixture.Bucket}/{prefix}", baseOptions));
        using (store)
        {
            Assert.Equal($"s3://{S3ServerFixture.Bucket}/{prefix}", store.Location);
            await store.WriteAsync("x.bin", new MemoryStream([42]));
            using var direct = NewStore(o => o with { Prefix = prefix });
            Assert.Equal([42], await TestStreams.ReadAllAsync(await direct.OpenReadAsync("x.bin")));
        }
    }
}
