using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>How often generated images show the requested colour, shape and both, with the chance levels of uniform guessing.</summary>
public sealed record GenerationAccuracyResult(int Count, double ColorAccuracy, double ShapeAccuracy, double BothAccuracy,
    double ColorChance, double ShapeChance, double BothChance);

/// <summary>Prompt adherence on the synthetic domain, judged by a trained <see cref="SyntheticAttributeClassifier"/>.</summary>
public static class GenerationAccuracy
{
    /// <param name="images">Generated images [N, 3, H, W] in [-1, 1], any size (resized to the classifier's).</param>
    /// <param name="requested">What each image's prompt asked for (see <see cref="AttributeRequest.FromCaption"/>).</param>
    public static GenerationAccuracyResult Evaluate(SyntheticAttributeClassifier classifier, Tensor images, IReadOnlyList<AttributeRequest> requested)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(requested);
        if (images.dim() != 4 || images.shape[0] != requested.Count)
            throw new ArgumentException($"{requested.Count} requests need images [{requested.Count}, 3, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        if (requested.Count == 0) throw new ArgumentException("No images to evaluate.", nameof(requested));
        var vocab = classifier.Vocabulary;
        var wantColor = requested.Select(r => (long)vocab.ColorIndex(r.Color)).ToArray();
        var wantShape = requested.Select(r => (long)vocab.ShapeIndex(r.Shape)).ToArray();
        var (colors, shapes) = classifier.Predict(images);
        int n = requested.Count, colorHits = 0, shapeHits = 0, both = 0;
        for (int i = 0; i < n; i++)
        {
            bool c = colors[i] == wantColor[i], s = shapes[i] == wantShape[i];
            colorHits += c ? 1 : 0;
            shapeHits += s ? 1 : 0;
            both += c && s ? 1 : 0;
        }
        double colorChance = 1.0 / vocab.Colors.Count, shapeChance = 1.0 / vocab.Shapes.Count;
        return new GenerationAccuracyResult(n, colorHits / (double)n, shapeHits / (double)n, both / (double)n,
            colorChance, shapeChance, colorChance * shapeChance);
    }
}
