using System.Text.Json;

namespace T2I.Core.Emoji;

/// <summary>
/// emoji-datasource-google / -twitter: <c>emoji.json</c> lists every emoji (<c>unified</c> code points, <c>image</c>
/// file name, <c>has_img_SET</c>), the 64×64 PNGs lie in <c>img/SET/64/</c>. Skin-tone variations are nested, not used.
/// </summary>
public static class DatasourceImages
{
    public static Dictionary<string, EmojiArt> Load(EmojiPackages packages, string style, IReadOnlyDictionary<string, EmojiConcept> known,
        EmojiSkips skips)
    {
        string package = EmojiPackages.PackageOf(style), dir = packages.Require(package), set = package["emoji-datasource-".Length..];
        string versioned = packages.Versioned(package);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "emoji.json")));
        var art = new Dictionary<string, EmojiArt>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            string? unified = EmojiCatalog.Text(e, "unified"), image = EmojiCatalog.Text(e, "image");
            if (unified is null || image is null || image.Contains('/') || image.Contains('\\'))
            {
                skips.Add(EmojiSkips.BadEntry, $"{package} entry {unified ?? "?"}");
                continue;
            }
            if (!(e.TryGetProperty($"has_img_{set}", out var has) && has.ValueKind == JsonValueKind.True)) continue;
            string key = EmojiKey.Of(unified), relative = $"img/{set}/64/{image}", file = Path.Combine(dir, relative);
            if (!known.ContainsKey(key)) skips.Add(EmojiSkips.NoCaption, $"{package} {unified}");
            else if (!File.Exists(file)) skips.Add(EmojiSkips.MissingFile, $"{package} {relative}");
            else art[key] = new EmojiArt(style, key, EmojiUrl.Of(versioned, relative), file);
        }
        return art;
    }
}
