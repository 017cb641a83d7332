using System.Text.Json;
using SkiaSharp;
using T2I.Core.Data;
using T2I.Core.Eval;
using T2I.Core.Synthesis;

namespace T2I.Core.Tests.Eval;

/// <summary>Scenes drawn by dataprep's own <see cref="ScenePainter"/> at chosen bucket sizes, as bucketed rows with labels.</summary>
internal static class SynthScenes
{
    public static SceneSpec Draw(Random rng, (int W, int H) size, IReadOnlyList<string> colors, IReadOnlyList<string> shapes, IReadOnlyList<string>? sizes = null)
    {
        sizes ??= SceneSpec.Sizes;
        string color = colors[rng.Next(colors.Count)], background;
        do background = colors[rng.Next(colors.Count)]; while (background == color);
        return new SceneSpec(shapes[rng.Next(shapes.Count)], color, background, sizes[rng.Next(sizes.Count)],
            SceneSpec.Positions[rng.Next(SceneSpec.Positions.Length)], size.W, size.H, rng.Next());
    }

    public static byte[] Png(SceneSpec spec)
    {
        using var bitmap = ScenePainter.Paint(spec);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public static BucketRow Row(SceneSpec spec, Random rng) => new()
    {
        Key = spec.Variant.ToString(), Caption = spec.Caption(rng), Image = Png(spec), Width = spec.Width, Height = spec.Height,
        Labels = JsonSerializer.Serialize(spec.Labels()),
    };

    public static List<BucketRow> Rows(int count, int seed, (int W, int H)[] buckets, IReadOnlyList<string> colors, IReadOnlyList<string> shapes,
        IReadOnlyList<string>? sizes = null)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(i => Row(Draw(rng, buckets[i % buckets.Length], colors, shapes, sizes), rng)).ToList();
    }

    /// <summary>The full synth vocabulary, as a judge trained on dataprep shards has it.</summary>
    public static AttributeVocabulary Vocabulary => new(
        SceneSpec.Colors.Keys.Order(StringComparer.Ordinal).ToList(), SceneSpec.Shapes.Order(StringComparer.Ordinal).ToList(),
        SceneSpec.Colors.Keys.Order(StringComparer.Ordinal).ToList(), SceneSpec.Sizes.Order(StringComparer.Ordinal).ToList(),
        SceneSpec.Positions.Order(StringComparer.Ordinal).ToList());
}
