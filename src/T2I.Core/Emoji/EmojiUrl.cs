namespace T2I.Core.Emoji;

/// <summary>A sample's url: a package URL (purl) naming the npm package, its version and the file, e.g.
/// <c>pkg:npm/emoji-datasource-google@16.0.0#img/google/64/1f34e.png</c> — where the image came from, with no host.</summary>
public static class EmojiUrl
{
    /// <summary>A scope's leading '@' is written %40, as the purl spec asks.</summary>
    public static string Of(string versionedPackage, string path) =>
        $"pkg:npm/{(versionedPackage.StartsWith('@') ? "%40" + versionedPackage[1..] : versionedPackage)}#{path}";
}
