namespace T2I.Core.Storage;

/// <summary>
/// Validation shared by every store, so a key that works locally also works on S3 and no key can escape
/// the store's root (no <c>..</c>, no absolute paths, no backslashes, no empty segments).
/// </summary>
public static class BlobKeys
{
    /// <summary>Suffix of in-flight local temp files; reserved so listings can skip them.</summary>
    internal const string TempSuffix = ".t2i-partial";

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="key"/> is a valid blob key.</summary>
    public static void Validate(string key, string paramName = "key")
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (key.Length == 0)
            throw new ArgumentException("Blob key must not be empty.", paramName);
        CheckCharacters(key, paramName);
        foreach (var segment in key.Split('/'))
            CheckSegment(key, segment, paramName);
    }

    /// <summary>
    /// Validates a listing prefix: empty, or a key-like string whose last segment may be empty
    /// (<c>"shards/"</c>) or partial (<c>"shards/00"</c> matches <c>shards/0001.parquet</c>).
    /// </summary>
    public static void ValidatePrefix(string prefix, string paramName = "prefix")
    {
        ArgumentNullException.ThrowIfNull(prefix, paramName);
        if (prefix.Length == 0) return;
        CheckCharacters(prefix, paramName);
        var segments = prefix.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (i == segments.Length - 1 && segments[i].Length == 0) break; // trailing '/'
            CheckSegment(prefix, segments[i], paramName);
        }
    }

    /// <summary>Joins a store-level prefix (may be empty, with or without trailing '/') and a key.</summary>
    public static string Join(string prefix, string key) =>
        prefix.Length == 0 ? key : prefix.TrimEnd('/') + "/" + key;

    private static void CheckCharacters(string key, string paramName)
    {
        if (key[0] == '/')
            throw new ArgumentException($"Blob key '{key}' must be relative (it starts with '/').", paramName);
        if (key.Contains('\\'))
            throw new ArgumentException($"Blob key '{key}' must use '/' separators, not '\\'.", paramName);
        if (key.Length >= 2 && key[1] == ':' && char.IsAsciiLetter(key[0]))
            throw new ArgumentException($"Blob key '{key}' looks like an absolute drive path.", paramName);
        foreach (var c in key)
            if (char.IsControl(c))
                throw new ArgumentException($"Blob key '{key}' contains a control character.", paramName);
    }

    private static void CheckSegment(string key, string segment, string paramName)
    {
        if (segment.Length == 0)
            throw new ArgumentException($"Blob key '{key}' has an empty segment ('//' or a trailing '/').", paramName);
        if (segment is "." or "..")
            throw new ArgumentException($"Blob key '{key}' contains a '{segment}' segment.", paramName);
        if (segment.EndsWith(TempSuffix, StringComparison.Ordinal))
            throw new ArgumentException($"Blob key '{key}' ends a segment with the reserved suffix '{TempSuffix}'.", paramName);
    }
}
