using SkiaSharp;

namespace T2I.Core.Synthesis;

/// <summary>
/// What one synthetic image shows — the ground truth its caption states and its json labels keep, so a
/// model trained on the set can later be checked for shape/colour/position accuracy.
/// </summary>
public sealed record SceneSpec(string Shape, string Color, string Background, string Size, string Position, int Width, int Height,
    int Variant)
{
    public static readonly string[] Shapes = ["circle", "square", "triangle", "star", "hexagon", "ring", "cross", "diamond"];
    public static readonly IReadOnlyDictionary<string, SKColor> Colors = new Dictionary<string, SKColor>
    {
        ["red"] = new(220, 38, 38), ["green"] = new(34, 160, 60), ["blue"] = new(37, 99, 235), ["yellow"] = new(245, 205, 30),
        ["orange"] = new(240, 130, 20), ["purple"] = new(140, 60, 200), ["pink"] = new(240, 120, 170), ["black"] = new(20, 20, 20),
        ["white"] = new(245, 245, 245), ["brown"] = new(120, 72, 35), ["gray"] = new(128, 128, 128), ["cyan"] = new(30, 200, 210),
    };
    public static readonly string[] Sizes = ["small", "large"];
    public static readonly string[] Positions = ["center", "top left", "top right", "bottom left", "bottom right", "left",
        "right", "top", "bottom"];

    /// <summary>Aspect ratios seen in web photos, portrait to panorama (w/h).</summary>
    private static readonly double[] Aspects = [1.0, 1.0, 4 / 3.0, 3 / 2.0, 16 / 9.0, 2.0, 3 / 4.0, 2 / 3.0, 9 / 16.0, 1 / 2.0,
        5 / 4.0, 21 / 9.0];

    public static SceneSpec Draw(Random rng) => Draw(rng, SynthVocabulary.Full);

    /// <summary>A scene over <paramref name="vocabulary"/>: object colour, shape and a background unlike the object.</summary>
    public static SceneSpec Draw(Random rng, SynthVocabulary vocabulary)
    {
        string color = vocabulary.Colors[rng.Next(vocabulary.Colors.Count)];
        string background; // rejection keeps the full vocabulary's draws identical to earlier versions' shards
        do background = vocabulary.Backgrounds[rng.Next(vocabulary.Backgrounds.Count)]; while (background == color);
        double aspect = Aspects[rng.Next(Aspects.Length)];
        int shortSide = rng.Next(300, 1001);
        int longSide = Math.Min(1500, (int)Math.Round(shortSide * Math.Max(aspect, 1 / aspect)));
        var (w, h) = aspect >= 1 ? (longSide, shortSide) : (shortSide, longSide);
        return new SceneSpec(vocabulary.Shapes[rng.Next(vocabulary.Shapes.Count)], color, background, Sizes[rng.Next(Sizes.Length)],
            Positions[rng.Next(Positions.Length)], w, h, rng.Next());
    }

    /// <summary>A caption stating every label, in one of several phrasings (web alt-text varies).</summary>
    public string Caption(Random rng)
    {
        string where = Position == "center" ? "in the center" : $"in the {Position}";
        string[] templates =
        [
            $"a {Size} {Color} {Shape} on a {Background} background",
            $"a {Size} {Color} {Shape} {where} on a {Background} background",
            $"{Size} {Color} {Shape}, {Background} backdrop",
            $"photo of a {Size} {Color} {Shape} {where}, {Background} background",
            $"A {Size} {Color} {Shape} on {Background}.",
        ];
        return templates[rng.Next(templates.Length)];
    }

    public Dictionary<string, string> Labels() => new()
    {
        ["shape"] = Shape, ["color"] = Color, ["background"] = Background, ["size"] = Size, ["position"] = Position,
    };
}
