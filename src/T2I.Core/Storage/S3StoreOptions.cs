namespace T2I.Core.Storage;

/// <summary>
/// Where and how <see cref="S3BlobStore"/> talks to S3 or an S3-compatible server (MinIO, s3rver, ...).
/// </summary>
public sealed record S3StoreOptions
{
    /// <summary>S3's minimum size for every part but the last.</summary>
    public const int MinPartSize = 5 << 20;

    /// <summary>Custom endpoint, e.g. <c>http://127.0.0.1:4568</c>; null means AWS itself.</summary>
    public string? ServiceUrl { get; init; }

    /// <summary>Region (for signing with a custom endpoint); null: us-east-1 there, the SDK's default on AWS.</summary>
    public string? Region { get; init; }

    public string Bucket { get; init; } = "";

    /// <summary>Key prefix inside the bucket under which this store lives ("" = the whole bucket).</summary>
    public string Prefix { get; init; } = "";

    /// <summary>Static credentials; when both are null the SDK's default credential chain is used.</summary>
    public string? AccessKey { get; init; }

    public string? SecretKey { get; init; }

    /// <summary>Path-style addressing (<c>host/bucket/key</c>); null means true exactly when ServiceUrl is set.</summary>
    public bool? ForcePathStyle { get; init; }

    /// <summary>
    /// aws-chunked upload framing. Off by default: s3rver stores the framing verbatim (silent corruption),
    /// while real S3 and MinIO accept both.
    /// </summary>
    public bool UseChunkEncoding { get; init; }

    /// <summary>
    /// Multipart part size; a stream longer than one part is uploaded in parts, a shorter one with one PUT.
    /// At least <see cref="MinPartSize"/>; memory use per write is one part.
    /// </summary>
    public int PartSize { get; init; } = 16 << 20;

    /// <summary>Keys requested per listing page (S3 caps it at 1000).</summary>
    public int ListPageSize { get; init; } = 1000;

    internal bool EffectiveForcePathStyle => ForcePathStyle ?? ServiceUrl is not null;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Bucket))
            throw new ArgumentException("S3StoreOptions.Bucket must be set.", nameof(Bucket));
        BlobKeys.ValidatePrefix(Prefix, nameof(Prefix));
        if (PartSize < MinPartSize)
            throw new ArgumentOutOfRangeException(nameof(PartSize), PartSize, $"S3 parts must be at least {MinPartSize} bytes.");
        if (ListPageSize is < 1 or > 1000)
            throw new ArgumentOutOfRangeException(nameof(ListPageSize), ListPageSize, "must be 1..1000");
        if ((AccessKey is null) != (SecretKey is null))
            throw new ArgumentException("Set both AccessKey and SecretKey, or neither (default credential chain).");
        if (ServiceUrl is not null && !Uri.TryCreate(ServiceUrl, UriKind.Absolute, out _))
            throw new ArgumentException($"S3 ServiceUrl '{ServiceUrl}' is not an absolute URL.", nameof(ServiceUrl));
    }
}
