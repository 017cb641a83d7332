namespace T2I.Core.Synthesis;

/// <summary>
/// Which shapes, object colours and background colours <c>dataprep synth</c> draws from. The full set (8 shapes ×
/// 12 colours) is the test bed; a smaller one (e.g. 3 shapes × 4 colours on white) is what a tiny CPU model can
/// learn in minutes — one synthetic domain, narrowed, instead of a second toy generator.
/// </summary>
public sealed class SynthVocabulary
{
    public IReadOnlyList<string> Shapes { get; }
    public IReadOnlyList<string> Colors { get; }
    public IReadOnlyList<string> Backgrounds { get; }

    public SynthVocabulary(IReadOnlyList<string> shapes, IReadOnlyList<string> colors, IReadOnlyList<string> backgrounds)
    {
        Check(shapes, SceneSpec.Shapes, "shape");
        Check(colors, SceneSpec.Colors.Keys.ToArray(), "colour");
        Check(backgrounds, SceneSpec.Colors.Keys.ToArray(), "background");
        // Every object colour needs a background it stands out from, or Draw could never finish.
        foreach (var c in colors)
            if (backgrounds.All(b => b == c))
                throw new ArgumentException($"colour '{c}' has no background other than itself; add another background.");
        (Shapes, Colors, Backgrounds) = (shapes.ToArray(), colors.ToArray(), backgrounds.ToArray());
    }

    public static SynthVocabulary Full { get; } = new(SceneSpec.Shapes, SceneSpec.Colors.Keys.ToArray(), SceneSpec.Colors.Keys.ToArray());

    /// <summary>Comma lists as typed on the command line; an empty or null list keeps the full set for that field.</summary>
    public static SynthVocabulary Parse(string? shapes, string? colors, string? backgrounds) => new(
        Split(shapes) ?? Full.Shapes, Split(colors) ?? Full.Colors, Split(backgrounds) ?? Full.Backgrounds);

    public override string ToString() =>
        $"shapes {string.Join(",", Shapes)}; colours {string.Join(",", Colors)}; backgrounds {string.Join(",", Backgrounds)}";

    private static string[]? Split(string? list)
    {
        var items = (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return items.Length == 0 ? null : items.Select(i => i.ToLowerInvariant()).ToArray();
    }

    private static void Check(IReadOnlyList<string> chosen, IReadOnlyList<string> known, string what)
    {
        if (chosen.Count == 0) throw new ArgumentException($"at least one {what} is needed.");
        foreach (var c in chosen)
            if (!known.Contains(c)) throw new ArgumentException($"unknown {what} '{c}'; known: {string.Join(", ", known)}.");
        if (chosen.Distinct().Count() != chosen.Count) throw new ArgumentException($"a {what} is listed twice: " +
            $"{string.Join(",", chosen)}.");
    }
}
