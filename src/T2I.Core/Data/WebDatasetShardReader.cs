namespace T2I.Core.Data;

/// <summary>
/// One webdataset sample: the members sharing a key (<c>KEY.jpg|png|webp</c>, <c>KEY.txt</c>, <c>KEY.json</c>).
/// Captions and json stay as raw bytes so the caller can validate UTF-8 and count failures.
/// <see cref="Problem"/> names damage the reader saw in this sample's members (e.g. <c>truncated_member</c>).
/// </summary>
public sealed record WebDatasetSample(string Key, byte[]? Image, string? ImageExtension, byte[]? Caption, byte[]? Json, string? Problem);

/// <summary>
/// Streams samples from an img2dataset webdataset tar. Members of one sample are adjacent (webdataset's
/// rule); the key is the member path up to the first dot of its file name. Damaged archives yield what can
/// be read; the damage is counted in <see cref="Problems"/>, never thrown.
/// </summary>
public sealed class WebDatasetShardReader(Stream tar, long maxMemberBytes = 512L * 1024 * 1024)
{
    private static readonly HashSet<string> ImageExtensions = new(StringComparer.OrdinalIgnoreCase) { "jpg", "jpeg", "png", "webp" };
    private readonly TarStreamReader _reader = new(tar, maxMemberBytes);

    /// <summary>Archive-level damage (bad headers, truncated or oversized members).</summary>
    public IReadOnlyDictionary<string, int> Problems => _reader.Problems;

    public IEnumerable<WebDatasetSample> ReadSamples()
    {
        string? key = null;
        byte[]? image = null, caption = null, json = null;
        string? ext = null, problem = null;

        while (_reader.Next() is { } member)
        {
            var (memberKey, memberExt) = SplitName(member.Name);
            if (memberKey is null) continue;
            if (key is not null && memberKey != key)
            {
                yield return new WebDatasetSample(key, image, ext, caption, json, problem);
                image = caption = json = null;
                ext = problem = null;
            }
            key = memberKey;
            if (member.Truncated) { problem = "truncated_member"; continue; }
            if (member.Oversized) { problem ??= "oversized_member"; continue; }
            if (ImageExtensions.Contains(memberExt)) { image = member.Data; ext = memberExt.ToLowerInvariant(); }
            else if (memberExt.Equals("txt", StringComparison.OrdinalIgnoreCase)) caption = member.Data;
            else if (memberExt.Equals("json", StringComparison.OrdinalIgnoreCase)) json = member.Data;
        }
        if (key is not null) yield return new WebDatasetSample(key, image, ext, caption, json, problem);
    }

    /// <summary>"dir/000123.jpg" → ("dir/000123", "jpg"); webdataset splits at the first dot of the file name.</summary>
    internal static (string? Key, string Extension) SplitName(string path)
    {
        int slash = path.LastIndexOf('/');
        int dot = path.IndexOf('.', slash + 1);
        if (dot <= slash + 1) return (null, "");
        return (path[..dot], path[(dot + 1)..]);
    }
}
