namespace T2I.Core.Data;

/// <summary>Parquet needs to seek to its footer; blob streams from S3 cannot. Buffer those in memory.</summary>
public static class SeekableStream
{
    public static async Task<Stream> EnsureAsync(Stream stream, CancellationToken ct = default)
    {
        if (stream.CanSeek) return stream;
        var ms = new MemoryStream();
        await using (stream) await stream.CopyToAsync(ms, ct);
        ms.Position = 0;
        return ms;
    }
}
