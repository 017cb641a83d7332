
namespace T2I.Core.Storage;

/// <summary>Seekable streams over blobs, for Parquet (footer first, then chosen row groups) and long tars.</summary>
public static class SeekableStream
{
    /// <summary>Block size of ranged reads: big enough to hold a Parquet footer and the small columns of a row group.</summary>
    public const int DefaultBlockSize = 1 << 20;

    /// <summary>
    /// Opens <paramref name="key"/> for random access without downloading it: a local file as it is, an S3
    /// object as a <see cref="RangeReadStream"/> of ranged GETs; any other store's stream is buffered only
    /// when it cannot seek.
    /// </summary>
    public static async Task<Stream> OpenAsync(IBlobStore store, string key, CancellationToken ct = default,
        int blockSize = DefaultBlockSize)
    {
        if (store is S3BlobStore s3) return await s3.OpenRangeReadAsync(key, blockSize, ct);
        return await EnsureAsync(await store.OpenReadAsync(key, ct), ct);
    }

    /// <summary>Buffers a stream that cannot seek in memory (small blobs of stores without range reads).</summary>
    public static async Task<Stream> EnsureAsync(Stream stream, CancellationToken ct = default)
    {
        if (stream.CanSeek) return stream;
        var ms = new MemoryStream();
        await using (stream) await stream.CopyToAsync(ms, ct);
        ms.Position = 0;
        return ms;
    }
}
