using System.Globalization;
using System.Text.Json;

namespace T2I.Core.Emoji;

/// <summary>
/// @iconify-json/fluent-emoji and -flat: one <c>icons.json</c> of SVG bodies (<c>icons</c>, and <c>aliases</c> that
/// flip or turn a parent), named after the CLDR label ("red-apple"), not by code point — its <c>chars.json</c> is
/// empty — so icons join by <see cref="EmojiKey.Slug"/> of the label. A slug two labels share joins neither.
/// </summary>
public static class IconifyIcons
{
    private static readonly string[] SkinSuffixes = ["-light", "-medium-light", "-medium", "-medium-dark", "-dark"];

    public static Dictionary<string, EmojiArt> Load(EmojiPackages packages, string style,
        IReadOnlyDictionary<string, EmojiConcept> known, EmojiSkips skips)
    {
        string package = EmojiPackages.PackageOf(style), dir = packages.Require(package);
        string versioned = packages.Versioned(package);
        var bySlug = known.Values.GroupBy(c => EmojiKey.Slug(c.Label)).Where(g => g.Count() == 1)
            .ToDictionary(g => g.Key, g => g.Single().Key);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "icons.json")));
        var root = doc.RootElement;
        var icons = Members(root, "icons");
        var aliases = Members(root, "aliases");
        var art = new Dictionary<string, EmojiArt>();
        foreach (var name in icons.Keys.Concat(aliases.Keys).Order(StringComparer.Ordinal))
        {
            if (Candidates(name).Select(c => bySlug.GetValueOrDefault(c)).FirstOrDefault(k => k is not null) is not { } key)
            {
                skips.Add(SkinSuffixes.Any(name.EndsWith) ? EmojiSkips.SkinTone : EmojiSkips.NoCaption, $"{package} {name}");
                continue;
            }
            if (art.ContainsKey(key)) continue;
            if (Document(root, icons, aliases, name) is { } svg)
                art[key] = new EmojiArt(style, key, EmojiUrl.Of(versioned, $"icons.json/{name}"), Svg: svg);
            else skips.Add(EmojiSkips.BadEntry, $"{package} {name}");
        }
        return art;
    }

    /// <summary>
    /// The name, then how Fluent's names differ from CLDR's labels where they do: "person-elf" for "elf", "man-deaf"
    /// for "deaf man", "blonde" for "blond".
    /// </summary>
    internal static IEnumerable<string> Candidates(string name)
    {
        yield return name;
        if (name.StartsWith("person-", StringComparison.Ordinal)) yield return name["person-".Length..];
        if (name.EndsWith("-deaf", StringComparison.Ordinal)) yield return "deaf-" + name[..^"-deaf".Length];
        if (name.Contains("-blonde-", StringComparison.Ordinal) || name.EndsWith("-blonde", StringComparison.Ordinal))
            yield return name.Replace("-blonde", "-blond", StringComparison.Ordinal);
    }

    /// <summary>The icon as a standalone SVG document (alias transforms applied), or null when it has no body.</summary>
    internal static string? Document(JsonElement root, Dictionary<string, JsonElement> icons,
        Dictionary<string, JsonElement> aliases, string name)
    {
        bool hFlip = false, vFlip = false;
        int turns = 0;
        // An alias names a parent icon or alias; its flips and turns add up along the chain (bounded: no cycles).
        for (int depth = 0; depth < 8 && aliases.TryGetValue(name, out var alias); depth++)
        {
            hFlip ^= Flag(alias, "hFlip");
            vFlip ^= Flag(alias, "vFlip");
            turns += Int(alias, "rotate") ?? 0;
            if (EmojiCatalog.Text(alias, "parent") is not { } parent) return null;
            name = parent;
        }
        if (!icons.TryGetValue(name, out var icon) || EmojiCatalog.Text(icon, "body") is not { } body) return null;
        hFlip ^= Flag(icon, "hFlip");
        vFlip ^= Flag(icon, "vFlip");
        turns += Int(icon, "rotate") ?? 0;
        int left = Int(icon, "left") ?? Int(root, "left") ?? 0, top = Int(icon, "top") ?? Int(root, "top") ?? 0;
        int width = Int(icon, "width") ?? Int(root, "width") ?? 16, height = Int(icon, "height") ?? Int(root, "height") ?? 16;
        var transforms = new List<string>();
        double cx = left + width / 2.0, cy = top + height / 2.0;
        if (turns % 4 != 0) transforms.Add(F($"rotate({turns % 4 * 90} {cx} {cy})"));
        if (hFlip) transforms.Add(F($"translate({2 * cx} 0) scale(-1 1)"));
        if (vFlip) transforms.Add(F($"translate(0 {2 * cy}) scale(1 -1)"));
        if (transforms.Count > 0) body = $"<g transform=\"{string.Join(' ', transforms)}\">{body}</g>";
        return F($"<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" ") +
            F($"width=\"{width}\" height=\"{height}\" viewBox=\"{left} {top} {width} {height}\">{body}</svg>");
    }

    internal static Dictionary<string, JsonElement> Members(JsonElement root, string name) =>
        root.TryGetProperty(name, out var o) && o.ValueKind == JsonValueKind.Object
            ? o.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()) : [];

    private static bool Flag(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) ? n : null;

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
