using SkiaSharp;
using T2I.Core.Data;
using static TorchSharp.torch;

namespace T2I.Training.Tokenizer;

/// <summary>
/// Images [N,3,H,W] in [-1,1] (one bucket), their class indices in the main label field, and per pretraining target
/// (<see cref="TokenizerStageConfig.Targets"/>) its class indices (−1 when unlabelled).
/// </summary>
public sealed record TokenizerBatch(Tensor Images, long[] Labels, long[][] TargetLabels) : IDisposable
{
    public void Dispose() => Images.Dispose();

    /// <summary>Decodes a bucket batch and resizes it to the nearest bucket of the training resolution.</summary>
    public static TokenizerBatch From(BucketBatch batch, TokenizerStageConfig config)
    {
        long[] Indices(string field, string[] classes) => batch.Rows.Select(r => (long)Array.IndexOf(classes, r.Label(field))).ToArray();
        return new(DecodeImages(batch, config.TrainResolution), Indices(config.LabelField, config.LabelClasses),
            config.Targets.Select(t => Indices(t.Field, t.Classes)).ToArray());
    }

    /// <summary>The rows' images as one tensor, each resized (Mitchell cubic) to the nearest bucket of <paramref
    /// name="resolution"/>.</summary>
    public static Tensor DecodeImages(BucketBatch batch, int resolution)
    {
        var target = AspectBuckets.Nearest(resolution, batch.Bucket.Width, batch.Bucket.Height);
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
            return ImageTensor.FromBitmaps(bitmaps);
        }
        finally
        {
            foreach (var b in bitmaps) b.Dispose();
        }
    }
}
