using T2I.Core.Data;
using T2I.Core.Inference;

namespace T2I.Core.Eval;

/// <summary>
/// Balanced evaluation prompts in the synth captions' phrasing ("a small red circle on a blue background"): every
/// (colour, shape) pair in turn, a background different from the object, sizes alternating, buckets cycled — so
/// accuracy is not skewed towards frequent classes and every prompt parses back with <see cref="AttributeRequest.FromCaption"/>.
/// </summary>
public static class JudgePrompts
{
    public static List<GenerationRequest> Balanced(AttributeVocabulary vocabulary, IReadOnlyList<AspectBucket> buckets, int count,
        int seed = 0,
        int steps = 50, double guidance = 5.0)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        if (buckets.Count == 0) throw new ArgumentException("Need at least one bucket.", nameof(buckets));
        var rng = new Random(seed);
        var pairs = vocabulary.Colors.SelectMany(c => vocabulary.Shapes.Select(s => (Color: c, Shape: s))).ToArray();
        rng.Shuffle(pairs);
        var backgrounds = vocabulary.Backgrounds is { Count: > 0 } b ? b : vocabulary.Colors;
        var sizes = vocabulary.Sizes ?? [];
        var requests = new List<GenerationRequest>();
        for (int i = 0; i < count; i++)
        {
            var (color, shape) = pairs[i % pairs.Length];
            var others = backgrounds.Where(x => x != color).ToList();
            string background = others[rng.Next(others.Count)];
            string size = sizes.Count > 0 ? sizes[i % sizes.Count] + " " : "";
            var bucket = buckets[i % buckets.Count];
            requests.Add(new GenerationRequest($"a {size}{color} {shape} on a {background} background", "", bucket.Width, bucket.Height,
                steps, guidance, seed * 100_003L + i));
        }
        return requests;
    }
}
