using System.Runtime.CompilerServices;
using T2I.Core.Storage;

namespace T2I.Core.Tests.Support;

/// <summary>
/// A store that goes down on cue: once <see cref="Down"/> is set every call fails the way an unreachable S3
/// endpoint does, and <see cref="CutReadsOf"/> makes one blob's stream fail part-way (a reset connection).
/// </summary>
public sealed class FailingStore(IBlobStore inner) : IBlobStore
{
    public bool Down { get; set; }

    /// <summary>Set after a successful write of this key (e.g. the endpoint dies right after a commit).</summary>
    public string? GoDownAfterWriting { get; init; }

    public (string Key, long AfterBytes)? CutReadsOf { get; init; }

    public string Location => inner.Location;

    public Task<bool> ExistsAsync(string key, CancellationToken ct = default) { Check(); return inner.ExistsAsync(key, ct); }

    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix = "", [EnumeratorCancellation] CancellationToken ct = default)
    {
        Check();
        await foreach (var b in inner.ListAsync(prefix, ct)) yield return b;
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken ct = default)
    {
        Check();
        var s = await inner.OpenReadAsync(key, ct);
        return CutReadsOf is { } cut && cut.Key == key ? new CutStream(s, cut.AfterBytes) : s;
    }

    public async Task WriteAsync(string key, Stream content, CancellationToken ct = default)
    {
        Check();
        await inner.WriteAsync(key, content, ct);
        if (key == GoDownAfterWriting) Down = true;
    }

    public Task DeleteAsync(string key, CancellationToken ct = default) { Check(); return inner.DeleteAsync(key, ct); }

    private void Check()
    {
        if (Down) throw new HttpRequestException("Connection refused (127.0.0.1:1)");
    }

    private sealed class CutStream(Stream inner, long limit) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (inner.Position + count > limit) throw new IOException("Connection reset by peer");
            return inner.Read(buffer, offset, count);
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override bool CanRead => true;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
    }
}
