using T2I.Core.Storage;

namespace T2I.Core.Tests.Storage;

/// <summary>
/// The <see cref="IBlobStore"/> contract, run against every store kind through the interface only.
/// Each test gets a fresh, empty store (a new temp dir, or a new prefix in the shared s3rver bucket).
/// </summary>
[Collection(BlobStoreCollection.Name)]
public sealed class BlobStoreContractTests(BlobStoreFixture fixture)
{
    public static TheoryData<string> Kinds => new(BlobStoreFixture.Kinds);

    [Theory, MemberData(nameof(Kinds))]
    public async Task Round_trips_small_empty_and_ff_heavy_blobs_byte_exact(string kind)
    {
        var store = fixture.Create(kind);
        var blobs = new Dictionary<string, byte[]>
        {
            ["small.txt"] = "hello"u8.ToArray(),
            ["empty.bin"] = [],
            ["ff/heavy.bin"] = TestStreams.FfHeavy(100_003),
            ["random.bin"] = TestStreams.Random(70_001, seed: 5),
        };
        foreach (var (key, bytes) in blobs)
            await store.WriteAsync(key, new MemoryStream(bytes));
        foreach (var (key, bytes) in blobs)
        {
            Assert.True(await store.ExistsAsync(key), key);
            Assert.Equal(bytes, await TestStreams.ReadAllAsync(await store.OpenReadAsync(key)));
        }
        var sizes = new Dictionary<string, long>();
        await foreach (var b in store.ListAsync()) sizes[b.Key] = b.Size;
        Assert.Equal(blobs.ToDictionary(kv => kv.Key, kv => (long)kv.Value.Length), sizes);
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task Large_non_seekable_stream_round_trips_in_parts(string kind)
    {
        var store = fixture.Create(kind, partSize: 5 << 20);
        var bytes = TestStreams.Random(12 << 20, seed: 7);
        // Non-seekable, unknown length, odd chunking: parts must be assembled from many short reads.
        var source = new TrickleStream(bytes, chunk: 300_001, pause: TimeSpan.Zero);
        await store.WriteAsync("big/model.safetensors", source);
        Assert.Equal(bytes, await TestStreams.ReadAllAsync(await store.OpenReadAsync("big/model.safetensors")));
        await foreach (var b in store.ListAsync("big/"))
            Assert.Equal(bytes.Length, b.Size);
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task Overwrite_replaces_the_whole_value(string kind)
    {
        var store = fixture.Create(kind);
        await store.WriteAsync("k.bin", new MemoryStream(TestStreams.Random(50_000, 1)));
        var shorter = TestStreams.Random(1_000, 2);
        await store.WriteAsync("k.bin", new MemoryStream(shorter));
        Assert.Equal(shorter, await TestStreams.ReadAllAsync(await store.OpenReadAsync("k.bin")));
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task Try_create_writes_once_and_never_replaces_an_existing_value(string kind)
    {
        var store = fixture.Create(kind);
        var first = TestStreams.Random(2_000, 3);
        Assert.True(await store.TryCreateAsync("claim.json", new MemoryStream(first)));
        Assert.False(await store.TryCreateAsync("claim.json", new MemoryStream(TestStreams.Random(10, 4))));
        Assert.Equal(first, await TestStreams.ReadAllAsync(await store.OpenReadAsync("claim.json")));
    }

    [Fact]
    public async Task Racing_local_creators_have_exactly_one_winner()
    {
        var store = fixture.Create("local");
        for (int round = 0; round < 20; round++)
        {
            var wins = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() =>
                store.TryCreateAsync($"race/{round}", new MemoryStream(TestStreams.Random(100_000, i))))));
            Assert.Equal(1, wins.Count(w => w));
        }
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task Lists_by_prefix_recursively_in_key_order(string kind)
    {
        var store = fixture.Create(kind);
        string[] keys =
        [
            "shards/512/b.parquet", "shards/256/x/deep.bin", "shards/256/a.parquet", "shards-other/z.bin",
            "manifest.json", "shards/256b.txt",
        ];
        foreach (var k in keys) await store.WriteAsync(k, new MemoryStream([(byte)k.Length]));

        Assert.Equal(keys.Order(StringComparer.Ordinal), await Keys(store, ""));
        Assert.Equal(["shards/256/a.parquet", "shards/256/x/deep.bin", "shards/256b.txt", "shards/512/b.parquet"],
            await Keys(store, "shards/"));
        // A prefix is a string prefix, not a directory: "shards/256" also matches "shards/256b.txt".
        Assert.Equal(["shards/256/a.parquet", "shards/256/x/deep.bin", "shards/256b.txt"],
            await Keys(store, "shards/256"));
        Assert.Equal(["shards/256/x/deep.bin"], await Keys(store, "shards/256/x/"));
        Assert.Empty(await Keys(store, "nothing/"));
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task Listing_spans_many_pages(string kind)
    {
        var store = fixture.Create(kind, pageSize: 3);
        var keys = Enumerable.Range(0, 11).Select(i => $"p/{i:D3}.bin").ToArray();
        await Task.WhenAll(keys.Select(k => store.WriteAsync(k, new MemoryStream([1, 2]))));
        await store.WriteAsync("q/outside.bin", new MemoryStream([1]));
        Assert.Equal(keys, await Keys(store, "p/"));
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task Missing_key_throws_file_not_found(string kind)
    {
        var store = fixture.Create(kind);
        Assert.False(await store.ExistsAsync("nope/missing.bin"));
        var ex = await Assert.ThrowsAsync<FileNotFoundException>(() => store.OpenReadAsync("nope/missing.bin"));
        Assert.Contains("nope/missing.bin", ex.Message);
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task Delete_removes_only_that_key_and_tolerates_absent_keys(string kind)
    {
        var store = fixture.Create(kind);
        await store.WriteAsync("d/one.bin", new MemoryStream([1]));
        await store.WriteAsync("d/two.bin", new MemoryStream([2]));
        await store.DeleteAsync("d/one.bin");
        await store.DeleteAsync("d/never-existed.bin");
        Assert.False(await store.ExistsAsync("d/one.bin"));
        await Assert.ThrowsAsync<FileNotFoundException>(() => store.OpenReadAsync("d/one.bin"));
        Assert.Equal(["d/two.bin"], await Keys(store, "d/"));
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task A_write_whose_source_fails_leaves_nothing_behind(string kind)
    {
        var store = fixture.Create(kind, partSize: 5 << 20);
        var bytes = TestStreams.Random(11 << 20, seed: 9);
        // Fails inside the second part: for S3 the multipart upload has started and must be aborted.
        var failing = new TrickleStream(bytes, chunk: 1 << 20, pause: TimeSpan.Zero, failAfter: 7 << 20);
        await Assert.ThrowsAsync<IOException>(() => store.WriteAsync("f/partial.bin", failing));
        Assert.False(await store.ExistsAsync("f/partial.bin"));
        Assert.Empty(await Keys(store, ""));
    }

    [Theory, MemberData(nameof(Kinds))]
    public async Task Rejects_invalid_keys(string kind)
    {
        var store = fixture.Create(kind);
        foreach (var key in new[] { "", "../x", "/abs", "a\\b", "a//b" })
            await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAsync(key, new MemoryStream([1])));
        Assert.Empty(await Keys(store, ""));
    }

    private static async Task<List<string>> Keys(IBlobStore store, string prefix)
    {
        var keys = new List<string>();
        await foreach (var b in store.ListAsync(prefix)) keys.Add(b.Key);
        return keys;
    }
}
