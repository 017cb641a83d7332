namespace T2I.Core.Storage;

/// <summary>Fetches bytes [offset, offset + buffer.Length) of one object; returns how many it got.</summary>
public delegate Task<int> RangeFetch(long offset, Memory<byte> buffer, CancellationToken ct);

/// <summary>
/// A read-only, seekable stream over an object that is fetched range by range (S3 ranged GETs), so readers
/// that seek — Parquet reads its footer, then only the column chunks of the row groups it wants — transfer
/// only what they read, and sequential readers (a tar) hold one block, not the object. Reads inside the
/// current block are served from memory; a read at the tail also fetches the block before it (where a
/// Parquet footer sits); reads larger than a block go straight into the caller's buffer. Sequential reading
/// prefetches the next block while the current one is consumed. A failed fetch is retried, so a dropped
/// connection costs one block, not the stream.
/// </summary>
public sealed class RangeReadStream(long length, RangeFetch fetch, int blockSize = 1 << 20, int retries = 3) : Stream
{
    private byte[] _block = new byte[(int)Math.Min(blockSize, Math.Max(1, length))];
    private byte[]? _spare; // the prefetch target; swapped with _block when the reader gets there
    private long _blockStart = -1;
    private int _blockLength;
    private long _position;
    private (long Start, Task<int> Fetch)? _ahead;

    private int _requests;
    private long _bytesFetched;

    /// <summary>Range requests issued so far (tests and benchmarks read this).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Bytes transferred so far.</summary>
    public long BytesFetched => Interlocked.Read(ref _bytesFetched);

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset,
        count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        int want = (int)Math.Min(buffer.Length, Math.Max(0, length - _position));
        if (want == 0) return 0;
        if (!InBlock(_position))
        {
            if (want >= _block.Length)
            {
                // Large reads (an image column chunk) bypass the block: one request, no copy.
                int got = await FetchWithRetryAsync(_position, buffer[..want], ct);
                _position += got;
                return got;
            }
            await LoadBlockAsync(_position, ct);
        }
        int from = (int)(_position - _blockStart);
        int n = Math.Min(want, _blockLength - from);
        _block.AsMemory(from, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    private bool InBlock(long p) => _blockStart >= 0 && p >= _blockStart && p < _blockStart + _blockLength;

    private async Task LoadBlockAsync(long p, CancellationToken ct)
    {
        bool sequential = _blockStart >= 0 && p == _blockStart + _blockLength;
        long start = p;
        // Near the end, take the block that ends at the end: it holds the Parquet footer and its length.
        if (!sequential && length - start < _block.Length) start = Math.Max(0, length - _block.Length);
        bool prefetched = false;
        if (_ahead is { } ahead)
        {
            _ahead = null;
            if (ahead.Start == start)
            {
                _blockLength = await ahead.Fetch;
                (_block, _spare) = (_spare!, _block);
                prefetched = true;
            }
            else await ahead.Fetch.ContinueWith(_ => { }, TaskScheduler.Default); // the spare buffer is free again
        }
        if (!prefetched) _blockLength = await FetchWithRetryAsync(start, _block.AsMemory(0, (int)Math.Min(_block.Length,
            length - start)), ct);
        _blockStart = start;
        long next = start + _blockLength;
        if ((sequential || start == 0) && next < length)
        {
            var spare = _spare ??= new byte[_block.Length];
            var range = spare.AsMemory(0, (int)Math.Min(spare.Length, length - next));
            _ahead = (next, Task.Run(() => FetchWithRetryAsync(next, range, CancellationToken.None)));
        }
    }

    private async Task<int> FetchWithRetryAsync(long offset, Memory<byte> buffer, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Interlocked.Increment(ref _requests);
                int got = await fetch(offset, buffer, ct);
                Interlocked.Add(ref _bytesFetched, got);
                if (got < buffer.Length) throw new IOException($"Range read at {offset} returned {got} of {buffer.Length} bytes.");
                return got;
            }
            catch (Exception e) when (attempt < retries && e is IOException or HttpRequestException && !ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 << attempt), ct);
            }
        }
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        // A prefetch still running finishes into its own buffer and is dropped.
        _ahead = null;
        base.Dispose(disposing);
    }
}
