using System.Text.Json;
using System.Text.Json.Serialization;

namespace T2I.Core.Eval;

/// <summary>
/// The classes the judge (<see cref="SyntheticAttributeClassifier"/>) tells apart, per attribute of the synthetic
/// labels, in head-output order. Colour and shape are required; background, size and position are optional
/// (an empty or null list means the judge has no head for it).
/// </summary>
public sealed record AttributeVocabulary(
    [property: JsonPropertyName("colors")] IReadOnlyList<string> Colors,
    [property: JsonPropertyName("shapes")] IReadOnlyList<string> Shapes,
    [property: JsonPropertyName("backgrounds")] IReadOnlyList<string>? Backgrounds = null,
    [property: JsonPropertyName("sizes")] IReadOnlyList<string>? Sizes = null,
    [property: JsonPropertyName("positions")] IReadOnlyList<string>? Positions = null)
{
    public const string Color = "color", Shape = "shape", Background = "background", Size = "size", Position = "position";

    /// <summary>Every attribute name in the fixed head order.</summary>
    public static readonly IReadOnlyList<string> Names = [Color, Shape, Background, Size, Position];

    /// <summary>The attributes this vocabulary has classes for, in head order, with their classes.</summary>
    [JsonIgnore]
    public IReadOnlyList<(string Name, IReadOnlyList<string> Classes)> Attributes =>
        Names.Select(n => (n, ClassesOf(n))).Where(a => a.Item2.Count > 0).ToList();

    /// <summary>The classes of one attribute (empty when this vocabulary has none).</summary>
    public IReadOnlyList<string> ClassesOf(string attribute) => attribute switch
    {
        Color => Colors,
        Shape => Shapes,
        Background => Backgrounds ?? [],
        Size => Sizes ?? [],
        Position => Positions ?? [],
        _ => throw new ArgumentException($"Unknown attribute '{attribute}'; known: {string.Join(", ", Names)}."),
    };

    /// <summary>The sorted distinct values of every attribute in the given requests (e.g. every row's labels).</summary>
    public static AttributeVocabulary From(IEnumerable<AttributeRequest> labels)
    {
        var list = labels.ToList();
        List<string> Of(string attribute) =>
            list.Select(l => l.ValueOf(attribute)).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        return new AttributeVocabulary(Of(Color), Of(Shape), Of(Background), Of(Size), Of(Position));
    }

    public int ColorIndex(string color) => IndexOf(Color, color);
    public int ShapeIndex(string shape) => IndexOf(Shape, shape);

    /// <summary>Head-output index of a class; a clear error when the judge does not know it.</summary>
    public int IndexOf(string attribute, string value)
    {
        var names = ClassesOf(attribute);
        for (int i = 0; i < names.Count; i++) if (names[i] == value) return i;
        throw new ArgumentException($"Unknown {attribute} '{value}'; the judge knows {string.Join(", ", names)}.");
    }

    public string ToJson() => JsonSerializer.Serialize(this);

    public static AttributeVocabulary FromJson(string json) =>
        JsonSerializer.Deserialize<AttributeVocabulary>(json) is { Colors.Count: > 0, Shapes.Count: > 0 } v
            ? v : throw new FormatException("Attribute vocabulary json needs non-empty 'colors' and 'shapes'.");
}
