using System.Text.Json;
using SkiaSharp;
using T2I.Core.Data;
using static TorchSharp.torch;

namespace T2I.Training.Tokenizer;

/// <summary>Images [N,3,H,W] in [-1,1] (one bucket) and their class indices (−1 when unlabelled).</summary>
public sealed record TokenizerBatch(Tensor Images, long[] Labels) : IDisposable
{
    public void Dispose() => Images.Dispose();

    /// <summary>Decodes a bucket batch and resizes it to the nearest bucket of the training resolution.</summary>
    public static TokenizerBatch From(BucketBatch batch, TokenizerStageConfig config)
    {
        var target = AspectBuckets.Nearest(config.TrainResolution, batch.Bucket.Width, batch.Bucket.Height);
        var bitmaps = new List<SKBitmap>();
        try
        {
            foreach (var row in batch.Rows)
            {
                using var decoded = ImageCodec.Decode(row.Image);
                bitmaps.Add(decoded.Width == target.Width && decoded.Height == target.Height
                    ? decoded.Copy()
                    : decoded.Resize(new SKImageInfo(target.Width, target.Height), new SKSamplingOptions(SKCubicResampler.Mitchell)));
            }
            var labels = batch.Rows.Select(r => LabelOf(r, config)).ToArray();
            return new TokenizerBatch(ImageTensor.FromBitmaps(bitmaps), labels);
        }
        finally
        {
            foreach (var b in bitmaps) b.Dispose();
        }
    }

    private static long LabelOf(BucketRow row, TokenizerStageConfig config)
    {
        if (string.IsNullOrEmpty(row.Labels)) return -1;
        using var doc = JsonDocument.Parse(row.Labels);
        return doc.RootElement.TryGetProperty(config.LabelField, out var v) && v.ValueKind == JsonValueKind.String
            ? Array.IndexOf(config.LabelClasses, v.GetString())
            : -1;
    }
}
