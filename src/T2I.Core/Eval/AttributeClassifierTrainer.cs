using SkiaSharp;
using T2I.Core.Data;
using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>Training settings of the attribute classifier.</summary>
public sealed record AttributeClassifierTrainOptions(int Epochs = 10, int BatchSize = 64, double LearningRate = 3e-3, int Seed = 0);

/// <summary>Labelled images at the classifier's size: [N, 3, S, S] in [-1, 1] and class indices per attribute.</summary>
public sealed record AttributeDataset(Tensor Images, long[] Colors, long[] Shapes)
{
    public int Count => Colors.Length;

    /// <summary>
    /// Decodes bucketed rows that carry labels, stretched to <paramref name="imageSize"/>² (every bucket's aspect
    /// is squeezed the same way, for training and for judging generations). Rows without labels, with labels
    /// outside the vocabulary or with undecodable images are skipped and counted in <paramref name="skipped"/>.
    /// </summary>
    public static AttributeDataset FromRows(IEnumerable<BucketRow> rows, AttributeVocabulary vocabulary, int imageSize, out int skipped)
    {
        var images = new List<Tensor>();
        var colors = new List<long>();
        var shapes = new List<long>();
        skipped = 0;
        using var scope = NewDisposeScope();
        foreach (var row in rows)
        {
            try
            {
                if (string.IsNullOrEmpty(row.Labels)) { skipped++; continue; }
                var request = AttributeRequest.FromLabels(row.Labels);
                long c = vocabulary.ColorIndex(request.Color), s = vocabulary.ShapeIndex(request.Shape);
                using var bitmap = SKBitmap.Decode(row.Image) ?? throw new FormatException("undecodable image");
                using var small = bitmap.Resize(new SKImageInfo(imageSize, imageSize, SKColorType.Rgba8888, SKAlphaType.Unpremul),
                    new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)) ?? throw new FormatException("resize failed");
                images.Add(ImageTensor.FromBitmap(small));
                colors.Add(c);
                shapes.Add(s);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or System.Text.Json.JsonException)
            {
                skipped++;
            }
        }
        if (images.Count == 0) throw new InvalidDataException($"No usable labelled rows ({skipped} skipped).");
        return new AttributeDataset(stack(images).MoveToOuterDisposeScope(), colors.ToArray(), shapes.ToArray());
    }
}

/// <summary>Mini-batch Adam training of <see cref="SyntheticAttributeClassifier"/> on both heads' cross-entropy.</summary>
public static class AttributeClassifierTrainer
{
    /// <returns>Mean training loss of the last epoch.</returns>
    public static double Train(SyntheticAttributeClassifier model, AttributeDataset data, AttributeClassifierTrainOptions? options = null,
        Action<int, double>? onEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new AttributeClassifierTrainOptions();
        var device = model.parameters().First().device;
        using var prepared = model.Prepare(data.Images);
        using var colors = tensor(data.Colors, device: device);
        using var shapes = tensor(data.Shapes, device: device);
        var optimizer = optim.Adam(model.parameters(), options.LearningRate);
        var rng = new Random(options.Seed);
        var order = Enumerable.Range(0, data.Count).ToArray();
        double lastLoss = double.NaN;
        model.train();
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            rng.Shuffle(order);
            double sum = 0;
            int batches = 0;
            for (int start = 0; start < order.Length; start += options.BatchSize)
            {
                using var scope = NewDisposeScope();
                var idx = tensor(order[start..Math.Min(order.Length, start + options.BatchSize)].Select(i => (long)i).ToArray(), device: device);
                var x = prepared.index_select(0, idx);
                // Horizontal flips keep colour and shape labels (all shapes here are mirror-symmetric).
                if (rng.Next(2) == 1) x = x.flip(3);
                optimizer.zero_grad();
                var (c, s) = model.forward(x);
                var loss = nn.functional.cross_entropy(c, colors.index_select(0, idx)) + nn.functional.cross_entropy(s, shapes.index_select(0, idx));
                loss.backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
                sum += loss.item<float>();
                batches++;
            }
            lastLoss = sum / batches;
            onEpoch?.Invoke(epoch, lastLoss);
        }
        model.eval();
        return lastLoss;
    }
}
