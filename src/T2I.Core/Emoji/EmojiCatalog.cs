using System.Text.Json;

namespace T2I.Core.Emoji;

/// <summary>
/// The captions: emojibase-data's English <c>en/data.json</c> (labels from Unicode CLDR) and the group and subgroup
/// names of <c>meta/groups.json</c>. Skin-tone variants (each entry's <c>skins</c>) are not concepts of their own.
/// </summary>
public static class EmojiCatalog
{
    /// <summary>Concepts in emojibase order; entries without hexcode or label are counted in <paramref name="skips"/>.</summary>
    public static IReadOnlyList<EmojiConcept> Load(EmojiPackages packages, EmojiSkips skips)
    {
        var dir = packages.Require(EmojiPackages.Emojibase);
        var (groups, subgroups) = Groups(Path.Combine(dir, "meta", "groups.json"));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "en", "data.json")));
        var concepts = new List<(int Order, EmojiConcept Concept)>();
        var seen = new HashSet<string>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            string? hex = Text(e, "hexcode"), label = Text(e, "label");
            if (hex is null || label is null || !seen.Add(EmojiKey.Of(hex)))
            {
                skips.Add(EmojiSkips.BadEntry, $"{EmojiPackages.Emojibase} entry {hex ?? "?"}");
                continue;
            }
            var tags = e.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Array
                ? t.EnumerateArray().Select(x => x.GetString()).OfType<string>().ToList() : [];
            concepts.Add((Number(e, "order") ?? int.MaxValue, new EmojiConcept(EmojiKey.Of(hex), hex, Text(e, "emoji") ?? "",
                label, tags, Name(groups, Number(e, "group")), Name(subgroups, Number(e, "subgroup")))));
        }
        // A stable sort: the ungrouped entries (no order) keep their file order at the end.
        return concepts.OrderBy(c => c.Order).Select(c => c.Concept).ToList();
    }

    private static (Dictionary<int, string> Groups, Dictionary<int, string> Subgroups) Groups(string path)
    {
        if (!File.Exists(path)) return ([], []);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        Dictionary<int, string> Read(string name) => doc.RootElement.TryGetProperty(name, out var o)
            && o.ValueKind == JsonValueKind.Object
            ? o.EnumerateObject().Where(p => int.TryParse(p.Name, out _) && p.Value.ValueKind == JsonValueKind.String)
                .ToDictionary(p => int.Parse(p.Name), p => p.Value.GetString()!)
            : [];
        return (Read("groups"), Read("subgroups"));
    }

    private static string? Name(Dictionary<int, string> names, int? id) => id is { } i && names.TryGetValue(i, out var n) ? n : null;

    internal static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static int? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) ? n : null;
}
