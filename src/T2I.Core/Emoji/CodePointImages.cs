namespace T2I.Core.Emoji;

/// <summary>
/// @lobehub/fluent-emoji-3d: <c>assets/CODEPOINTS.webp</c>, 256×256 with alpha, named by code point. Skin-tone
/// variants (a U+1F3FB–1F3FF modifier in the name) are counted and left out: they are not concepts of their own.
/// </summary>
public static class CodePointImages
{
    public static Dictionary<string, EmojiArt> Load(EmojiPackages packages, string style, IReadOnlyDictionary<string, EmojiConcept> known,
        EmojiSkips skips)
    {
        string package = EmojiPackages.PackageOf(style), dir = Path.Combine(packages.Require(package), "assets");
        string versioned = packages.Versioned(package);
        var art = new Dictionary<string, EmojiArt>();
        if (!Directory.Exists(dir)) throw new EmojiPackageMissingException(package + "/assets", packages.Root);
        foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            string ext = Path.GetExtension(file).ToLowerInvariant(), name = Path.GetFileNameWithoutExtension(file);
            if (ext is not (".webp" or ".png")) continue;
            string key = EmojiKey.Of(name);
            if (art.ContainsKey(key)) continue; // code points written twice ("0023-…", "23-…"): keep the first
            if (known.ContainsKey(key))
                art[key] = new EmojiArt(style, key, EmojiUrl.Of(versioned, $"assets/{Path.GetFileName(file)}"), file);
            else skips.Add(IsSkinTone(key) ? EmojiSkips.SkinTone : EmojiSkips.NoCaption, $"{package} {Path.GetFileName(file)}");
        }
        return art;
    }

    private static bool IsSkinTone(string key) => key.Split('-').Any(p => p is "1f3fb" or "1f3fc" or "1f3fd" or "1f3fe" or "1f3ff");
}
