using T2I.Core.Storage;

namespace T2I.Core.Tests.Storage;

/// <summary>Behaviour only the local store has: key → path mapping, key validation, rename atomicity.</summary>
public sealed class LocalBlobStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "t2i-local-" + Guid.NewGuid().ToString("N"));
    private readonly LocalBlobStore _store;

    public LocalBlobStoreTests() => _store = new LocalBlobStore(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape.bin")]
    [InlineData("a/../../escape.bin")]
    [InlineData("a/..")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\b.bin")]
    [InlineData("a//b.bin")]
    [InlineData("a/b/")]
    [InlineData("./a.bin")]
    [InlineData("C:/x.bin")]
    [InlineData("a/x.bin.t2i-partial")]
    public async Task Rejects_invalid_keys_with_argument_exception(string key)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => _store.WriteAsync(key, new MemoryStream([1])));
        Assert.Contains("key", ex.Message, StringComparison.OrdinalIgnoreCase);
        await Assert.ThrowsAsync<ArgumentException>(() => _store.OpenReadAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.ExistsAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => _store.DeleteAsync(key));
        Assert.False(File.Exists(Path.Combine(Path.GetTempPath(), "escape.bin")));
    }

    [Theory]
    [InlineData("../")]
    [InlineData("/abs")]
    [InlineData("a//")]
    [InlineData("a\\")]
    public async Task Rejects_invalid_prefixes(string prefix)
    {
        await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            await foreach (var _ in _store.ListAsync(prefix)) { }
        });
    }

    [Fact]
    public async Task Keys_map_to_files_under_the_root()
    {
        await _store.WriteAsync("shards/256/0001.parquet", new MemoryStream([7, 8, 9]));
        var path = Path.Combine(_root, "shards", "256", "0001.parquet");
        Assert.Equal(path, _store.PathOf("shards/256/0001.parquet"));
        Assert.Equal(new byte[] { 7, 8, 9 }, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Listing_ignores_temp_files_and_a_missing_root()
    {
        Assert.Empty(await ToList(new LocalBlobStore(Path.Combine(_root, "never-created")).ListAsync()));
        await _store.WriteAsync("a/b.bin", new MemoryStream([1]));
        await File.WriteAllBytesAsync(Path.Combine(_root, "a", ".c.bin.0123" + ".t2i-partial"), [2]);
        Assert.Equal(["a/b.bin"], (await ToList(_store.ListAsync())).Select(b => b.Key));
    }

    [Fact]
    public async Task Reader_never_sees_a_partial_file_while_a_slow_overwrite_runs()
    {
        var oldBytes = TestStreams.Random(1 << 20, seed: 1);
        var newBytes = TestStreams.Random(2 << 20, seed: 2);
        await _store.WriteAsync("ckpt/model.bin", new MemoryStream(oldBytes));

        var slow = new TrickleStream(newBytes, chunk: 128 << 10, pause: TimeSpan.FromMilliseconds(15));
        var writer = Task.Run(() => _store.WriteAsync("ckpt/model.bin", slow));
        int sawOld = 0, sawNew = 0;
        while (true)
        {
            var done = writer.IsCompleted;
            var got = await TestStreams.ReadAllAsync(await _store.OpenReadAsync("ckpt/model.bin"));
            if (got.AsSpan().SequenceEqual(oldBytes)) sawOld++;
            else if (got.AsSpan().SequenceEqual(newBytes)) sawNew++;
            else Assert.Fail($"reader saw {got.Length} bytes that are neither the old nor the new blob");
            var listed = await ToList(_store.ListAsync("ckpt/"));
            Assert.Equal(["ckpt/model.bin"], listed.Select(b => b.Key));
            if (done) break;
        }
        await writer;
        Assert.True(sawOld > 0, "the poller should have observed the old value while the write was in flight");
        Assert.True(sawNew > 0);
        Assert.True(slow.ChunksServed >= 16);
    }

    [Fact]
    public async Task A_failed_write_leaves_the_old_value_and_no_temp_file()
    {
        await _store.WriteAsync("x/y.bin", new MemoryStream([1, 2, 3]));
        var failing = new TrickleStream(TestStreams.Random(1 << 20, 3), 64 << 10, TimeSpan.Zero, failAfter: 300_000);
        await Assert.ThrowsAsync<IOException>(() => _store.WriteAsync("x/y.bin", failing));
        Assert.Equal(new byte[] { 1, 2, 3 }, await TestStreams.ReadAllAsync(await _store.OpenReadAsync("x/y.bin")));
        Assert.Equal(["y.bin"], Directory.GetFiles(Path.Combine(_root, "x")).Select(Path.GetFileName));
    }

    [Fact]
    public void Location_is_the_full_root_path() =>
        Assert.Equal(Path.GetFullPath(_root), _store.Location);

    private static async Task<List<BlobInfo>> ToList(IAsyncEnumerable<BlobInfo> items)
    {
        var list = new List<BlobInfo>();
        await foreach (var i in items) list.Add(i);
        return list;
    }
}
