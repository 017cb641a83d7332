using System.Text.Json;
using System.Text.Json.Serialization;

namespace T2I.Core.Eval;

/// <summary>The colour and shape classes of <see cref="SyntheticAttributeClassifier"/>, in head-output order.</summary>
public sealed record AttributeVocabulary(
    [property: JsonPropertyName("colors")] IReadOnlyList<string> Colors,
    [property: JsonPropertyName("shapes")] IReadOnlyList<string> Shapes)
{
    /// <summary>The sorted distinct colours and shapes of the given requests (e.g. every row's labels).</summary>
    public static AttributeVocabulary From(IEnumerable<AttributeRequest> labels)
    {
        var list = labels.ToList();
        return new AttributeVocabulary(
            list.Select(l => l.Color).Distinct().Order(StringComparer.Ordinal).ToList(),
            list.Select(l => l.Shape).Distinct().Order(StringComparer.Ordinal).ToList());
    }

    public int ColorIndex(string color) => IndexIn(Colors, color, "colour");
    public int ShapeIndex(string shape) => IndexIn(Shapes, shape, "shape");

    public string ToJson() => JsonSerializer.Serialize(this);

    public static AttributeVocabulary FromJson(string json) =>
        JsonSerializer.Deserialize<AttributeVocabulary>(json) is { Colors.Count: > 0, Shapes.Count: > 0 } v
            ? v : throw new FormatException("Attribute vocabulary json needs non-empty 'colors' and 'shapes'.");

    private static int IndexIn(IReadOnlyList<string> names, string name, string what)
    {
        for (int i = 0; i < names.Count; i++) if (names[i] == name) return i;
        throw new ArgumentException($"Unknown {what} '{name}'; the classifier knows {string.Join(", ", names)}.");
    }
}
