using T2I.Core.Storage;

namespace T2I.Core.Ingest;

/// <summary>
/// Input blobs opened for ingestion: seekable (ranged GETs on S3), and every failure to open or read them is a
/// <see cref="StoreUnavailableException"/>. That keeps a network failure apart from damaged data: the readers
/// count damage (truncated tar, bad Parquet) as problems and go on, but an unreachable input must stop the
/// shard before it is committed, or its unread samples would be lost without a trace.
/// </summary>
internal sealed class InputStream : Stream
{
    private readonly Stream _inner;
    private readonly IBlobStore _store;
    private readonly string _key;

    private InputStream(Stream inner, IBlobStore store, string key) => (_inner, _store, _key) = (inner, store, key);

    public static async Task<Stream> OpenAsync(IBlobStore store, string key, CancellationToken ct,
        int blockSize = SeekableStream.DefaultBlockSize)
    {
        try { return new InputStream(await SeekableStream.OpenAsync(store, key, ct, blockSize), store, key); }
        catch (Exception e) when (e is not (OperationCanceledException or FileNotFoundException))
        {
            throw new StoreUnavailableException("input", store, $"opening {key}", e);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Guard(() => _inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer)
    {
        try { return _inner.Read(buffer); }
        catch (Exception e) when (e is not OperationCanceledException) { throw Failure(e); }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        try { return await _inner.ReadAsync(buffer, ct); }
        catch (Exception e) when (e is not OperationCanceledException) { throw Failure(e); }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => _inner.Seek(offset, origin);
    public override bool CanRead => true;
    public override bool CanSeek => _inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => _inner.Length;
    public override long Position { get => _inner.Position; set => _inner.Position = value; }
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync();
        await base.DisposeAsync();
    }

    private int Guard(Func<int> read)
    {
        try { return read(); }
        catch (Exception e) when (e is not OperationCanceledException) { throw Failure(e); }
    }

    private StoreUnavailableException Failure(Exception e) =>
        e as StoreUnavailableException ?? new StoreUnavailableException("input", _store, $"reading {_key} at byte {_inner.Position}", e);
}
