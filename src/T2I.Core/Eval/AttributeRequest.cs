using System.Text.Json;

namespace T2I.Core.Eval;

/// <summary>The object colour and shape a prompt asks for (the synthetic generator's "color" and "shape" labels).</summary>
public sealed record AttributeRequest(string Color, string Shape)
{
    /// <summary>From a row's labels json, e.g. {"shape":"circle","color":"red","background":"blue",...}.</summary>
    public static AttributeRequest FromLabels(string labelsJson)
    {
        ArgumentException.ThrowIfNullOrEmpty(labelsJson);
        using var doc = JsonDocument.Parse(labelsJson);
        string Get(string name) =>
            doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s
                ? s : throw new FormatException($"Labels have no '{name}': {labelsJson}");
        return new AttributeRequest(Get("color"), Get("shape"));
    }

    /// <summary>
    /// From a caption such as "a small red circle on a blue background": the first vocabulary shape word, and
    /// the nearest vocabulary colour word before it (the background colour comes after the shape in every
    /// template). Null when the caption names no known shape or no colour before it.
    /// </summary>
    public static AttributeRequest? FromCaption(string caption, AttributeVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(caption);
        ArgumentNullException.ThrowIfNull(vocabulary);
        var words = caption.ToLowerInvariant().Split([' ', ',', '.', ';', ':', '!', '?', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        int shapeAt = Array.FindIndex(words, w => vocabulary.Shapes.Contains(w));
        if (shapeAt < 0) return null;
        for (int i = shapeAt - 1; i >= 0; i--)
            if (vocabulary.Colors.Contains(words[i])) return new AttributeRequest(words[i], words[shapeAt]);
        return null;
    }
}
