namespace T2I.Core.Tests.Storage;

/// <summary>Deterministic payloads and misbehaving streams for the blob store tests.</summary>
internal static class TestStreams
{
    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Mostly 0xFF with a few other bytes: catches framing/encoding bugs that normal text hides.</summary>
    public static byte[] FfHeavy(int length)
    {
        var bytes = new byte[length];
        Array.Fill(bytes, (byte)0xFF);
        for (var i = 0; i < length; i += 97) bytes[i] = (byte)(i % 256);
        if (length > 0) bytes[^1] = 0x00;
        return bytes;
    }

    public static async Task<byte[]> ReadAllAsync(Stream s)
    {
        await using (s)
        {
            var ms = new MemoryStream();
            await s.CopyToAsync(ms);
            return ms.ToArray();
        }
    }
}

/// <summary>
/// A non-seekable stream of unknown length that hands out <paramref name="data"/> in small chunks, optionally
/// pausing between them, and optionally failing after <paramref name="failAfter"/> bytes.
/// </summary>
internal sealed class TrickleStream(byte[] data, int chunk, TimeSpan pause, long failAfter = long.MaxValue) : Stream
{
    private int _pos;

    public int ChunksServed { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _pos; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_pos >= failAfter) throw new IOException($"simulated source failure after {_pos} bytes");
        if (pause > TimeSpan.Zero && _pos > 0) await Task.Delay(pause, ct);
        var n = (int)Math.Min(Math.Min(chunk, buffer.Length), Math.Min(data.Length - _pos, failAfter - _pos));
        data.AsMemory(_pos, n).CopyTo(buffer);
        _pos += n;
        ChunksServed++;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
