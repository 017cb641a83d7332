using System.Text;
using SkiaSharp;
using T2I.Core.Data;
using T2I.Core.Inference;
using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>
/// Prompt adherence on the synthetic domain: per requested attribute, how often the judge sees what was asked,
/// with 95 % intervals and confusion matrices. <see cref="BothHits"/> counts images right in colour and shape.
/// </summary>
public sealed record GenerationAccuracyResult(int Count, IReadOnlyList<AttributeScore> Attributes, int BothHits)
{
    public AttributeScore? this[string attribute] => Attributes.FirstOrDefault(a => a.Attribute == attribute);
    public double ColorAccuracy => this[AttributeVocabulary.Color]!.Accuracy;
    public double ShapeAccuracy => this[AttributeVocabulary.Shape]!.Accuracy;
    public double BothAccuracy => (double)BothHits / Count;
    public double ColorChance => this[AttributeVocabulary.Color]!.Chance;
    public double ShapeChance => this[AttributeVocabulary.Shape]!.Chance;
    public double BothChance => ColorChance * ShapeChance;
    public double ColorPromptedChance => this[AttributeVocabulary.Color]!.PromptedChance;
    public double ShapePromptedChance => this[AttributeVocabulary.Shape]!.PromptedChance;
    public double BothPromptedChance => ColorPromptedChance * ShapePromptedChance;
    public (double Low, double High) BothInterval95 => BinomialInterval.Wilson(BothHits, Count);

    /// <summary>One line per attribute: accuracy, 95 % interval, chance, n.</summary>
    public string Summary()
    {
        var sb = new StringBuilder();
        void Line(string name, double acc, (double Low, double High) ci, double chance, int n) =>
            sb.AppendLine($"{name,-12}{acc,7:P1}  95% CI [{ci.Low:P1}, {ci.High:P1}]  chance {chance:P1}  n={n}");
        foreach (var a in Attributes.Where(a => a.Count > 0)) Line(a.Attribute, a.Accuracy, a.Interval95, a.Chance, a.Count);
        Line("color+shape", BothAccuracy, BothInterval95, BothChance, Count);
        return sb.ToString();
    }
}

/// <summary>Scores generated images against what their prompts asked for, with a trained <see
/// cref="SyntheticAttributeClassifier"/>.</summary>
public static class GenerationAccuracy
{
    /// <param name="images">Generated images [N, 3, H, W] in [-1, 1], any size (the judge keeps the aspect ratio).</param>
    /// <param name="requested">What each image's prompt asked for (see <see cref="AttributeRequest.FromCaption"/>).</param>
    public static GenerationAccuracyResult Evaluate(SyntheticAttributeClassifier judge, Tensor images,
        IReadOnlyList<AttributeRequest> requested)
    {
        ArgumentNullException.ThrowIfNull(judge);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(requested);
        if (requested.Count == 0) throw new ArgumentException("No images to evaluate.", nameof(requested));
        if (images.dim() != 4 || images.shape[0] != requested.Count)
            throw new ArgumentException($"{requested.Count} requests need images [{requested.Count}, 3, H, W], got " +
                $"[{string.Join(", ", images.shape)}].", nameof(images));
        var tally = new Tally(judge);
        var predicted = judge.Predict(images);
        for (int i = 0; i < requested.Count; i++) tally.Add(requested[i], predicted.Select(p => p[i]).ToArray());
        return tally.Result();
    }

    /// <summary>Images of different sizes, one tensor each ([3, H, W] or [1, 3, H, W] in [-1, 1]), judged one at a time.</summary>
    public static GenerationAccuracyResult Evaluate(SyntheticAttributeClassifier judge, IReadOnlyList<Tensor> images,
        IReadOnlyList<AttributeRequest> requested)
    {
        ArgumentNullException.ThrowIfNull(judge);
        if (images.Count != requested.Count) throw new ArgumentException($"{requested.Count} requests for {images.Count} images.",
            nameof(images));
        var tally = new Tally(judge);
        for (int i = 0; i < images.Count; i++)
        {
            using var scope = NewDisposeScope();
            var predicted = judge.Predict(images[i].dim() == 3 ? images[i].unsqueeze(0) : images[i]);
            tally.Add(requested[i], predicted.Select(p => p[0]).ToArray());
        }
        return tally.Result();
    }

    /// <summary>
    /// Generates every request, decodes the PNG and judges it against its prompt (parsed with the judge's
    /// vocabulary; a prompt that names no known colour and shape is an error). <paramref name="onImage"/> sees each
    /// image (e.g. to save it).
    /// </summary>
    public static GenerationAccuracyResult Measure(ITextToImageGenerator generator, SyntheticAttributeClassifier judge,
        IEnumerable<GenerationRequest> requests, Action<GeneratedImage, AttributeRequest>? onImage = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(judge);
        var tally = new Tally(judge);
        foreach (var request in requests)
        {
            var wanted = AttributeRequest.FromCaption(request.Prompt, judge.Vocabulary)
                ?? throw new ArgumentException($"The judge cannot tell what '{request.Prompt}' asks for (no known colour before a " +
                    $"known shape).");
            var image = generator.Generate(request, ct: ct);
            onImage?.Invoke(image, wanted);
            using var scope = NewDisposeScope();
            using var bitmap = SKBitmap.Decode(image.Png)
                ?? throw new InvalidDataException($"Generator returned undecodable PNG for '{request.Prompt}'.");
            var predicted = judge.Predict(ImageTensor.FromBitmap(bitmap).unsqueeze(0));
            tally.Add(wanted, predicted.Select(p => p[0]).ToArray());
        }
        return tally.Result();
    }

    /// <summary>Accumulates (requested, predicted) per attribute.</summary>
    private sealed class Tally(SyntheticAttributeClassifier judge)
    {
        private readonly AttributeVocabulary vocab = judge.Vocabulary;
        private readonly IReadOnlyList<string> attributes = judge.Attributes;
        private readonly long[][][] confusion = judge.Attributes
            .Select(a => Enumerable.Range(0, judge.Vocabulary.ClassesOf(a).Count).Select(_ =>
                new long[judge.Vocabulary.ClassesOf(a).Count]).ToArray()).ToArray();
        private readonly int[] counts = new int[judge.Attributes.Count], hits = new int[judge.Attributes.Count];
        private int count, both;

        public void Add(AttributeRequest wanted, long[] predicted)
        {
            bool colorOk = false, shapeOk = false;
            for (int a = 0; a < attributes.Count; a++)
            {
                if (wanted.ValueOf(attributes[a]) is not { } value) continue;
                int want = vocab.IndexOf(attributes[a], value);
                bool ok = predicted[a] == want;
                confusion[a][want][predicted[a]]++;
                counts[a]++;
                hits[a] += ok ? 1 : 0;
                if (attributes[a] == AttributeVocabulary.Color) colorOk = ok;
                if (attributes[a] == AttributeVocabulary.Shape) shapeOk = ok;
            }
            count++;
            both += colorOk && shapeOk ? 1 : 0;
        }

        public GenerationAccuracyResult Result()
        {
            if (count == 0) throw new ArgumentException("No images to evaluate.");
            var scores = attributes.Select((a, i) => new AttributeScore(a, vocab.ClassesOf(a), counts[i], hits[i], confusion[i])).ToList();
            return new GenerationAccuracyResult(count, scores, both);
        }
    }
}
