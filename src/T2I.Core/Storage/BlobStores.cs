namespace T2I.Core.Storage;

/// <summary>Opens a blob store from a location string, as given on command lines and in configs.</summary>
public static class BlobStores
{
    /// <summary>
    /// Opens <paramref name="location"/>: <c>s3://bucket</c> or <c>s3://bucket/prefix</c> gives an
    /// <see cref="S3BlobStore"/>, anything else (a path or a <c>file://</c> URI) a <see cref="LocalBlobStore"/>.
    /// For S3, values missing from <paramref name="s3"/> come from environment variables:
    /// <list type="bullet">
    /// <item><c>T2I_S3_ENDPOINT</c> — custom endpoint URL (e.g. <c>http://127.0.0.1:4568</c>); unset: AWS.</item>
    /// <item><c>T2I_S3_ACCESS_KEY</c>, <c>T2I_S3_SECRET_KEY</c> — static credentials; unset: the AWS SDK's
    /// default credential chain (AWS_* variables, profile, instance role).</item>
    /// <item><c>T2I_S3_REGION</c> — region; unset: us-east-1 with a custom endpoint, else the SDK default.</item>
    /// </list>
    /// Bucket and prefix always come from the location.
    /// </summary>
    public static IBlobStore Open(string location, S3StoreOptions? s3 = null) =>
        Open(location, s3, Environment.GetEnvironmentVariable);

    internal static IBlobStore Open(string location, S3StoreOptions? s3, Func<string, string?> env)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        if (location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
            return new S3BlobStore(ResolveS3(location, s3 ?? new S3StoreOptions(), env));
        if (location.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
            return new LocalBlobStore(new Uri(location).LocalPath);
        var scheme = location.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
            throw new ArgumentException(
                $"Unsupported blob location '{location}': use a local path, file://… or s3://bucket/prefix.", nameof(location));
        return new LocalBlobStore(location);
    }

    internal static S3StoreOptions ResolveS3(string location, S3StoreOptions baseOptions, Func<string, string?> env)
    {
        var rest = location["s3://".Length..];
        var slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..];
        if (bucket.Length == 0)
            throw new ArgumentException($"S3 location '{location}' has no bucket (expected s3://bucket/prefix).", nameof(location));
        return baseOptions with
        {
            Bucket = bucket,
            Prefix = prefix,
            ServiceUrl = baseOptions.ServiceUrl ?? NonEmpty(env("T2I_S3_ENDPOINT")),
            AccessKey = baseOptions.AccessKey ?? NonEmpty(env("T2I_S3_ACCESS_KEY")),
            SecretKey = baseOptions.SecretKey ?? NonEmpty(env("T2I_S3_SECRET_KEY")),
            Region = baseOptions.Region ?? NonEmpty(env("T2I_S3_REGION")),
        };
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
