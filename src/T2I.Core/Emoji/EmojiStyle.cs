namespace T2I.Core.Emoji;

/// <summary>
/// The five licensed image sets, by the name written in each sample's <c>style</c> metadata. Apple and Facebook images
/// of emoji-datasource are deliberately absent: their licences do not allow this use.
/// </summary>
public static class EmojiStyle
{
    public const string Google = "google";
    public const string Twitter = "twitter";
    public const string Fluent3D = "fluent-3d";
    public const string Fluent = "fluent";
    public const string FluentFlat = "fluent-flat";

    public static IReadOnlyList<string> All { get; } = [Google, Twitter, Fluent3D, Fluent, FluentFlat];

    /// <summary>"google,fluent-3d" → those styles in canonical order; null or empty = all; an unknown name throws.</summary>
    public static IReadOnlyList<string> Parse(string? list)
    {
        if (string.IsNullOrWhiteSpace(list)) return All;
        var asked = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.ToLowerInvariant()).ToHashSet();
        if (asked.FirstOrDefault(s => !All.Contains(s)) is { } unknown)
            throw new ArgumentException($"Unknown emoji style '{unknown}'; known: {string.Join(", ", All)}.");
        return All.Where(asked.Contains).ToList();
    }
}
