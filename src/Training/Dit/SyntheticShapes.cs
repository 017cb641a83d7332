using SkiaSharp;
using T2I.Core.Data;
using static TorchSharp.torch;

namespace T2I.Training.Dit;

/// <summary>
/// The synthetic domain the CPU presets learn: one coloured shape on white, captioned "a red circle" and
/// variants. Deterministic for a seed. <see cref="Judge"/> reads colour and shape back from an image, which
/// is how generation accuracy is measured.
/// </summary>
public static class SyntheticShapes
{
    public static readonly (string Name, SKColor Color)[] Colors =
    {
        ("red", new SKColor(220, 30, 30)), ("green", new SKColor(30, 170, 40)), ("blue", new SKColor(30, 60, 220)),
        ("yellow", new SKColor(235, 200, 20)), ("purple", new SKColor(140, 40, 170)), ("orange", new SKColor(245, 130, 20)),
    };

    public static readonly string[] Shapes = { "circle", "square", "triangle" };

    private static readonly string[] Templates = { "a {0} {1}", "a {0} {1} on a white background", "{0} {1}", "one {0} {1}" };

    public sealed record Sample(string Caption, int Color, int Shape, AspectBucket Bucket, int Seed);

    /// <summary>Samples spread over a few buckets of the resolution (square and two non-square).</summary>
    public static IReadOnlyList<Sample> Make(int count, int resolution, int seed)
    {
        var table = AspectBuckets.For(resolution);
        var buckets = new[] { AspectBuckets.Nearest(resolution, 1, 1), AspectBuckets.Nearest(resolution, 3, 2), AspectBuckets.Nearest(resolution, 2, 3) }
            .Distinct().Where(b => table.Contains(b)).ToArray();
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            int color = rng.Next(Colors.Length), shape = rng.Next(Shapes.Length);
            string caption = string.Format(Templates[rng.Next(Templates.Length)], Colors[color].Name, Shapes[shape]);
            return new Sample(caption, color, shape, buckets[rng.Next(buckets.Length)], rng.Next());
        }).ToList();
    }

    public static string Prompt(int color, int shape) => $"a {Colors[color].Name} {Shapes[shape]}";

    public static SKBitmap Render(Sample s)
    {
        var rng = new Random(s.Seed);
        int w = s.Bucket.Width, h = s.Bucket.Height;
        var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        float size = Math.Min(w, h) * (0.45f + 0.25f * (float)rng.NextDouble());
        float cx = size / 2 + (float)rng.NextDouble() * (w - size), cy = size / 2 + (float)rng.NextDouble() * (h - size);
        using var paint = new SKPaint { Color = Colors[s.Color].Color, IsAntialias = true, Style = SKPaintStyle.Fill };
        switch (Shapes[s.Shape])
        {
            case "circle": canvas.DrawCircle(cx, cy, size / 2, paint); break;
            case "square": canvas.DrawRect(cx - size / 2, cy - size / 2, size, size, paint); break;
            default:
                using (var path = new SKPath())
                {
                    path.MoveTo(cx, cy - size / 2);
                    path.LineTo(cx + size / 2, cy + size / 2);
                    path.LineTo(cx - size / 2, cy + size / 2);
                    path.Close();
                    canvas.DrawPath(path, paint);
                }
                break;
        }
        return bitmap;
    }

    /// <summary>
    /// Colour = palette entry nearest to the mean of the non-white pixels; shape = from how much of its bounding
    /// box the mask fills (square ≈ 1, circle ≈ π/4, triangle ≈ 1/2). Null when nothing stands out from the background.
    /// </summary>
    public static (int Color, int Shape)? Judge(Tensor image)
    {
        using var scope = NewDisposeScope();
        var img = image.to_type(ScalarType.Float32).cpu(); // [3, H, W] in [-1, 1]
        var mask = img.min(0).values.lt(0.5f);
        long count = mask.sum().item<long>();
        if (count < mask.numel() / 100) return null;
        var mean = (img * mask.unsqueeze(0)).sum(new long[] { 1, 2 }) / count;
        var rgb = ((mean + 1) * 127.5f).data<float>().ToArray();
        int color = Enumerable.Range(0, Colors.Length).MinBy(i =>
            Math.Pow(rgb[0] - Colors[i].Color.Red, 2) + Math.Pow(rgb[1] - Colors[i].Color.Green, 2) + Math.Pow(rgb[2] - Colors[i].Color.Blue, 2));
        var rows = mask.any(1).nonzero();
        var cols = mask.any(0).nonzero();
        double box = (rows.max().item<long>() - rows.min().item<long>() + 1.0) * (cols.max().item<long>() - cols.min().item<long>() + 1.0);
        double fill = count / box;
        int shape = fill > 0.9 ? 1 : fill > 0.66 ? 0 : 2;
        return (color, shape);
    }
}
