using System.Security.Cryptography;
using System.Text;

namespace T2I.Core.Ingest;

/// <summary>One input tar and the name its outputs carry (unique across inputs: prefixed by the input's source tag).</summary>
public sealed record InputShard(string TarKey, string Name);

/// <summary>
/// Where ingestion keeps its state in the output store. Every object is written once, by the one unit of work that
/// owns it, so workers never rewrite a shared file:
/// <list type="bullet">
/// <item><c>_screen/p{P}/{shard}.bin</c> — phase 1: (sha256, row) of the shard's samples that passed the metadata
/// filters, one file per hash partition; <c>_screened/{shard}.json</c> marks the shard screened.</item>
/// <item><c>_dedup/p{P}/{shard}.bin</c> — phase 2: the rows of the shard that partition P found to be duplicates.</item>
/// <item><c>res{R}/{W}x{H}/{shard}.parquet</c> and <c>_commits/{shard}.json</c> — phase 3: the kept rows and the
/// shard's commit (counts by drop reason, files); the summary is derived from the commits.</item>
/// </list>
/// </summary>
public static class IngestLayout
{
    public const string ScreenedPrefix = "_screened/";
    public const string CommitsPrefix = "_commits/";

    public static string Partition(int p) => $"p{p:x3}";
    public static string ScreenPrefix(int p) => $"_screen/{Partition(p)}/";
    public static string DedupPrefix(int p) => $"_dedup/{Partition(p)}/";
    public static string ScreenKey(int p, string shard) => $"{ScreenPrefix(p)}{shard}.bin";
    public static string DedupKey(int p, string shard) => $"{DedupPrefix(p)}{shard}.bin";
    public static string ScreenedKey(string shard) => $"{ScreenedPrefix}{shard}.json";
    public static string CommitKey(string shard) => $"{CommitsPrefix}{shard}.json";

    /// <summary>The shard named by a key under <paramref name="prefix"/> ending in <paramref name="extension"/>.</summary>
    public static string ShardOf(string key, string prefix, string extension) => key[prefix.Length..^extension.Length];

    /// <summary>
    /// The default source tag of an input: its last path segment (readable) and 8 hex digits of a hash of its whole
    /// location (unique), so <c>s3://a/laion/00000.tar</c> and <c>s3://b/laion/00000.tar</c> never share output names.
    /// </summary>
    public static string SourceTag(string location)
    {
        string last = location.TrimEnd('/').Split('/', '\\').LastOrDefault(s => s.Length > 0) ?? "input";
        var safe = new string(last.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '-').ToArray());
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(location.TrimEnd('/'))))[..8];
        return $"{safe}-{hash}";
    }

    /// <summary>Checks a user-given source tag: it becomes part of file names.</summary>
    public static string CheckSource(string source)
    {
        if (source.Length == 0 || source.Length > 64 || !source.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
            throw new ConfigException($"Source tag '{source}' must be 1-64 letters, digits, '-' or '.'.");
        return source;
    }

    /// <summary>
    /// The hash partition of a key: from the high half of its first word (uniform, as sha256 is), not the low half
    /// that <see cref="Sha256Key.GetHashCode"/> uses, so the sets inside one partition still spread over their buckets.
    /// </summary>
    public static int PartitionOf(Sha256Key key, int partitions) => (int)((key.A >> 32) % (ulong)partitions);
}
