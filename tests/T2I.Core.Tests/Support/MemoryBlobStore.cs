using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using T2I.Core.Storage;

namespace T2I.Core.Tests.Support;

/// <summary>An in-memory IBlobStore for unit tests of code that only needs the contract.</summary>
public sealed class MemoryBlobStore : IBlobStore
{
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new();
    public string Location => "memory://";
    public Task<bool> ExistsAsync(string key, CancellationToken ct = default) => Task.FromResult(_blobs.ContainsKey(key));

    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix = "", [EnumeratorCancellation] CancellationToken ct = default)
    {
        await Task.Yield();
        foreach (var k in _blobs.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(k => k, StringComparer.Ordinal))
            yield return new BlobInfo(k, _blobs[k].Length, DateTimeOffset.UnixEpoch);
    }

    public Task<Stream> OpenReadAsync(string key, CancellationToken ct = default) =>
        _blobs.TryGetValue(key, out var b) ? Task.FromResult<Stream>(new MemoryStream(b, false)) : throw new FileNotFoundException(key);

    public async Task WriteAsync(string key, Stream content, CancellationToken ct = default)
    {
        var ms = new MemoryStream();
        await content.CopyToAsync(ms, ct);
        _blobs[key] = ms.ToArray();
    }

    public Task DeleteAsync(string key, CancellationToken ct = default) { _blobs.TryRemove(key, out _); return Task.CompletedTask; }
}
