using System.Net;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace T2I.Core.Storage;

/// <summary>
/// Blob store over a bucket prefix. A write is one PUT or one completed multipart upload, so S3 shows the
/// whole new object or the old one; a failed multipart upload is aborted so no parts linger.
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    private const int MaxParts = 10_000;
    private readonly IAmazonS3 _s3;
    private readonly S3StoreOptions _options;
    private readonly string _prefix; // "" or ends with '/'

    public S3BlobStore(S3StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _prefix = options.Prefix.Length == 0 ? "" : options.Prefix.TrimEnd('/') + "/";
        _s3 = CreateClient(options);
    }

    public string Location => $"s3://{_options.Bucket}/{_prefix.TrimEnd('/')}".TrimEnd('/');

    public S3StoreOptions Options => _options;

    /// <summary>The SDK client, for tests that observe the requests on the wire.</summary>
    internal IAmazonS3 Client => _s3;

    private static AmazonS3Client CreateClient(S3StoreOptions o)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = o.EffectiveForcePathStyle,
            // Checksums only where S3 demands them: the default trailing checksums need aws-chunked framing.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (o.ServiceUrl is not null)
        {
            config.ServiceURL = o.ServiceUrl;
            config.AuthenticationRegion = o.Region ?? "us-east-1";
        }
        else if (o.Region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(o.Region);
        }
        return o.AccessKey is null
            ? new AmazonS3Client(config)
            : new AmazonS3Client(new BasicAWSCredentials(o.AccessKey, o.SecretKey), config);
    }

    private string FullKey(string key)
    {
        BlobKeys.Validate(key);
        return _prefix + key;
    }

    /// <summary>
    /// Opens an object for random access by ranged GETs — a Parquet footer and chosen row groups, or a long tar, are
    /// read without downloading the whole object (<see cref="SeekableStream"/>).
    /// </summary>
    internal async Task<RangeReadStream> OpenRangeReadAsync(string key, int blockSize, CancellationToken ct)
    {
        var full = FullKey(key);
        long length;
        try { length = (await _s3.GetObjectMetadataAsync(_options.Bucket, full, ct).ConfigureAwait(false)).ContentLength; }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"Blob '{key}' not found in {Location}.", $"{Location}/{key}", e);
        }
        return new RangeReadStream(length, async (offset, buffer, token) =>
        {
            using var response = await _s3.GetObjectAsync(new GetObjectRequest
            {
                BucketName = _options.Bucket, Key = full, ByteRange = new ByteRange(offset, offset + buffer.Length - 1),
            }, token).ConfigureAwait(false);
            int total = 0;
            while (total < buffer.Length)
            {
                int n = await response.ResponseStream.ReadAsync(buffer[total..], token).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
            }
            return total;
        }, blockSize);
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken ct = default)
    {
        var full = FullKey(key);
        try
        {
            await _s3.GetObjectMetadataAsync(_options.Bucket, full, ct).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken ct = default)
    {
        var full = FullKey(key);
        try
        {
            var response = await _s3.GetObjectAsync(_options.Bucket, full, ct).ConfigureAwait(false);
            return new ResponseOwningStream(response);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"Blob '{key}' not found in {Location}.", $"{Location}/{key}", e);
        }
    }

    public async Task WriteAsync(string key, Stream content, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var full = FullKey(key);
        var buffer = new byte[_options.PartSize];
        var first = await FillAsync(content, buffer, ct).ConfigureAwait(false);
        if (first < buffer.Length)
        {
            await PutAsync(full, buffer, first, ct).ConfigureAwait(false);
            return;
        }
        await MultipartAsync(full, content, buffer, first, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// One PUT with <c>If-None-Match: *</c> (AWS S3 since 2024, MinIO): the store decides the race. The HEAD first
    /// covers stores that ignore the header (s3rver): there a race is possible, harmless for deterministic objects.
    /// Small objects only (commits): a single PUT, no multipart.
    /// </summary>
    public async Task<bool> TryCreateAsync(string key, Stream content, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (await ExistsAsync(key, ct).ConfigureAwait(false)) return false;
        var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, ct).ConfigureAwait(false);
        try
        {
            await PutAsync(FullKey(key), buffer.GetBuffer(), (int)buffer.Length, ct, ifNoneMatch: "*").ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    private async Task PutAsync(string fullKey, byte[] buffer, int length, CancellationToken ct, string? ifNoneMatch = null)
    {
        var request = new PutObjectRequest
        {
            BucketName = _options.Bucket,
            Key = fullKey,
            InputStream = new MemoryStream(buffer, 0, length, writable: false),
            UseChunkEncoding = _options.UseChunkEncoding,
        };
        if (ifNoneMatch is not null) request.IfNoneMatch = ifNoneMatch;
        await _s3.PutObjectAsync(request, ct).ConfigureAwait(false);
    }

    private async Task MultipartAsync(string fullKey, Stream content, byte[] buffer, int filled, CancellationToken ct)
    {
        var init = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = fullKey,
        }, ct).ConfigureAwait(false);
        var uploadId = init.UploadId;
        try
        {
            var parts = new List<PartETag>();
            while (filled > 0)
            {
                if (parts.Count == MaxParts)
                    throw new InvalidOperationException(
                        $"'{fullKey}' needs more than {MaxParts} parts of {_options.PartSize} bytes; raise PartSize.");
                var part = await _s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _options.Bucket,
                    Key = fullKey,
                    UploadId = uploadId,
                    PartNumber = parts.Count + 1,
                    InputStream = new MemoryStream(buffer, 0, filled, writable: false),
                    PartSize = filled,
                    UseChunkEncoding = _options.UseChunkEncoding,
                }, ct).ConfigureAwait(false);
                parts.Add(new PartETag(parts.Count + 1, part.ETag));
                filled = await FillAsync(content, buffer, ct).ConfigureAwait(false);
            }
            await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = fullKey,
                UploadId = uploadId,
                PartETags = parts,
            }, ct).ConfigureAwait(false);
        }
        catch
        {
            await AbortQuietlyAsync(fullKey, uploadId).ConfigureAwait(false);
            throw;
        }
    }

    private async Task AbortQuietlyAsync(string fullKey, string uploadId)
    {
        try
        {
            // Not the caller's token: a cancelled write must still clean up its parts.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = fullKey,
                UploadId = uploadId,
            }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or OperationCanceledException)
        {
            // The original failure matters more; a bucket lifecycle rule reaps what is left.
        }
    }

    /// <summary>Reads until the buffer is full or the stream ends (streams may return short reads).</summary>
    private static async Task<int> FillAsync(Stream content, byte[] buffer, CancellationToken ct)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await content.ReadAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false);
            if (n == 0) break;
            filled += n;
        }
        return filled;
    }

    public async Task DeleteAsync(string key, CancellationToken ct = default)
    {
        await _s3.DeleteObjectAsync(_options.Bucket, FullKey(key), ct).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix = "",
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        BlobKeys.ValidatePrefix(prefix);
        var request = new ListObjectsV2Request
        {
            BucketName = _options.Bucket,
            Prefix = _prefix + prefix,
            MaxKeys = _options.ListPageSize,
        };
        var found = new List<BlobInfo>();
        while (true)
        {
            var page = await _s3.ListObjectsV2Async(request, ct).ConfigureAwait(false);
            // SDK v4 leaves collections null (not empty) when a page has no entries.
            foreach (var o in page.S3Objects ?? [])
            {
                // Folder markers ("a/b/") made by consoles and other tools are not blobs.
                if (o.Key.EndsWith('/')) continue;
                found.Add(new BlobInfo(o.Key[_prefix.Length..], o.Size ?? 0,
                    o.LastModified is { } t ? new DateTimeOffset(t.ToUniversalTime()) : DateTimeOffset.MinValue));
            }
            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken)) break;
            request.ContinuationToken = page.NextContinuationToken;
        }
        // S3 returns keys in byte order, but s3rver walks its directories depth-first ("a/x" before "a-b"):
        // sort here so every store keeps the interface's ordering promise.
        found.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var info in found) yield return info;
    }

    /// <summary>Creates the bucket if it does not exist (for tests, local runs and first deployments).</summary>
    public async Task EnsureBucketAsync(CancellationToken ct = default)
    {
        try
        {
            await _s3.PutBucketAsync(new PutBucketRequest { BucketName = _options.Bucket }, ct).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }

    public void Dispose() => _s3.Dispose();

    public override string ToString() => Location;

    /// <summary>The response body as a plain stream; disposing it releases the HTTP response.</summary>
    private sealed class ResponseOwningStream(GetObjectResponse response) : Stream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => response.ContentLength;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => _inner.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            _inner.ReadAsync(buffer, ct);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            _inner.ReadAsync(buffer, offset, count, ct);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) response.Dispose();
            base.Dispose(disposing);
        }
    }
}
