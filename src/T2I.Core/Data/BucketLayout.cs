namespace T2I.Core.Data;

/// <summary>
/// Where bucketed shards live in an output store: <c>res{R}/{W}x{H}/{sourceShard}.parquet</c>. One file per
/// (resolution, bucket, input shard), so each input shard's output is a set of new files that can be
/// committed (by the manifest) or cleaned up as a unit.
/// </summary>
public static class BucketLayout
{
    public static string ResolutionPrefix(int resolution) => $"res{resolution}/";

    public static string ShardKey(int resolution, AspectBucket bucket, string sourceShard) =>
        $"{ResolutionPrefix(resolution)}{bucket.Name}/{sourceShard}.parquet";

    /// <summary>Parses a shard key; null for keys that are not bucketed shards.</summary>
    public static (int Resolution, AspectBucket Bucket, string SourceShard)? Parse(string key)
    {
        var parts = key.Split('/');
        if (parts.Length != 3 || !parts[0].StartsWith("res") || !parts[2].EndsWith(".parquet")) return null;
        if (!int.TryParse(parts[0].AsSpan(3), out int res)) return null;
        try { return (res, AspectBucket.Parse(parts[1]), parts[2][..^".parquet".Length]); }
        catch (FormatException) { return null; }
    }
}
