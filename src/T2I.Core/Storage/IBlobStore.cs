namespace T2I.Core.Storage;

/// <summary>One entry of a listing: a key relative to the store's root, its size and last write time.</summary>
public sealed record BlobInfo(string Key, long Size, DateTimeOffset LastModified);

/// <summary>
/// Flat key → bytes storage over a local directory or an S3 prefix. Keys use '/' separators and never
/// start with '/'. A write becomes visible whole or not at all (local: temp file + rename; S3: a PUT or a
/// completed multipart upload), so readers never see half a shard, checkpoint or image.
/// </summary>
public interface IBlobStore
{
    /// <summary>A human-readable location, e.g. <c>/data/shards</c> or <c>s3://bucket/prefix</c>.</summary>
    string Location { get; }

    Task<bool> ExistsAsync(string key, CancellationToken ct = default);

    /// <summary>Lists keys under <paramref name="prefix"/> (recursively), ordered by key.</summary>
    IAsyncEnumerable<BlobInfo> ListAsync(string prefix = "", CancellationToken ct = default);

    /// <summary>Opens a stream over the blob; throws <see cref="FileNotFoundException"/> when absent.</summary>
    Task<Stream> OpenReadAsync(string key, CancellationToken ct = default);

    /// <summary>Writes the whole stream under <paramref name="key"/>, atomically replacing any previous value.</summary>
    Task WriteAsync(string key, Stream content, CancellationToken ct = default);

    Task DeleteAsync(string key, CancellationToken ct = default);

    /// <summary>
    /// Writes <paramref name="key"/> only if it does not exist yet; false when it did (nothing written). Local disk and
    /// S3/MinIO (<c>If-None-Match: *</c>) make the check and the write one step. A store without conditional writes
    /// (this default; s3rver ignores the header) checks first, so two racing writers may both write: callers use it
    /// for deterministic objects only, where the loser's bytes equal the winner's.
    /// </summary>
    async Task<bool> TryCreateAsync(string key, Stream content, CancellationToken ct = default)
    {
        if (await ExistsAsync(key, ct).ConfigureAwait(false)) return false;
        await WriteAsync(key, content, ct).ConfigureAwait(false);
        return true;
    }
}
