using System.Text.Json;

namespace T2I.Core.Eval;

/// <summary>
/// What a prompt asks for, in the synthetic generator's label terms: object colour and shape always, background
/// colour, size and position when stated.
/// </summary>
public sealed record AttributeRequest(string Color, string Shape, string? Background = null, string? Size = null, string? Position = null)
{
    private static readonly char[] Separators = [' ', ',', '.', ';', ':', '!', '?', '\t', '\n'];

    /// <summary>The requested value of an attribute (see <see cref="AttributeVocabulary.Names"/>), null when not stated.</summary>
    public string? ValueOf(string attribute) => attribute switch
    {
        AttributeVocabulary.Color => Color,
        AttributeVocabulary.Shape => Shape,
        AttributeVocabulary.Background => Background,
        AttributeVocabulary.Size => Size,
        AttributeVocabulary.Position => Position,
        _ => throw new ArgumentException($"Unknown attribute '{attribute}'."),
    };

    /// <summary>From a row's labels json, e.g.
    /// {"shape":"circle","color":"red","background":"blue","size":"small","position":"top left"}.</summary>
    public static AttributeRequest FromLabels(string labelsJson)
    {
        ArgumentException.ThrowIfNullOrEmpty(labelsJson);
        using var doc = JsonDocument.Parse(labelsJson);
        string? Find(string name) =>
            doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                && v.GetString() is { Length: > 0 } s ? s : null;
        string Get(string name) => Find(name) ?? throw new FormatException($"Labels have no '{name}': {labelsJson}");
        return new AttributeRequest(Get("color"), Get("shape"), Find("background"), Find("size"), Find("position"));
    }

    /// <summary>
    /// From a caption such as "a small red circle in the top left on a blue background" (every dataprep synth
    /// template): the first vocabulary shape word; the nearest colour word before it (object colour), the first
    /// colour word after it (background); a size word before it; "in the POSITION" after it. Attributes the
    /// vocabulary has no classes for, or the caption does not state, stay null. Null when no shape or no object
    /// colour is found.
    /// </summary>
    public static AttributeRequest? FromCaption(string caption, AttributeVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(caption);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var words = caption.ToLowerInvariant().Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        int shapeAt = Array.FindIndex(words, w => vocabulary.Shapes.Contains(w));
        if (shapeAt < 0) return null;
        int colorAt = Array.FindLastIndex(words, shapeAt, shapeAt + 1, w => vocabulary.Colors.Contains(w));
        if (colorAt < 0) return null;
        var backgrounds = vocabulary.Backgrounds ?? [];
        var sizes = vocabulary.Sizes ?? [];
        string? background = words.Skip(shapeAt + 1).FirstOrDefault(w => backgrounds.Contains(w));
        string? size = words.Take(shapeAt).LastOrDefault(w => sizes.Contains(w));
        return new AttributeRequest(words[colorAt], words[shapeAt], background, size, PositionAfter(words, shapeAt,
            vocabulary.Positions ?? []));
    }

    /// <summary>The longest vocabulary position (possibly two words, "top left") right after "in the" following the shape.</summary>
    private static string? PositionAfter(string[] words, int shapeAt, IReadOnlyList<string> positions)
    {
        for (int i = shapeAt + 1; i + 1 < words.Length; i++)
        {
            if (words[i] != "in" || words[i + 1] != "the") continue;
            var rest = words.Skip(i + 2).ToArray();
            return positions.Where(p => p.Split(' ') is var parts && parts.Length <= rest.Length
                && parts.SequenceEqual(rest.Take(parts.Length)))
                .MaxBy(p => p.Length);
        }
        return null;
    }
}
