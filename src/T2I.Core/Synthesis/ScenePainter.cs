using SkiaSharp;

namespace T2I.Core.Synthesis;

/// <summary>Draws a <see cref="SceneSpec"/>: a lightly textured background and one filled shape.</summary>
public static class ScenePainter
{
    public static SKBitmap Paint(SceneSpec spec)
    {
        var rng = new Random(spec.Variant);
        var bmp = new SKBitmap(new SKImageInfo(spec.Width, spec.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bmp);
        var bg = SceneSpec.Colors[spec.Background];
        // A soft vertical gradient and a little noise so JPEG sizes and decode costs look like photos, not flat fills.
        using (var shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, spec.Height),
                   [Shade(bg, 1.12f), Shade(bg, 0.88f)], SKShaderTileMode.Clamp))
        using (var paint = new SKPaint { Shader = shader })
            canvas.DrawRect(0, 0, spec.Width, spec.Height, paint);
        using (var speck = new SKPaint { IsAntialias = true })
            for (int i = 0; i < spec.Width * spec.Height / 2000; i++)
            {
                speck.Color = Shade(bg, 0.8f + (float)rng.NextDouble() * 0.4f).WithAlpha(90);
                canvas.DrawCircle(rng.Next(spec.Width), rng.Next(spec.Height), 1 + rng.Next(4), speck);
            }

        float minSide = Math.Min(spec.Width, spec.Height);
        float r = minSide * (spec.Size == "large" ? 0.36f : 0.14f) * (0.9f + 0.2f * (float)rng.NextDouble());
        var c = Centre(spec, r);
        using var fill = new SKPaint { Color = SceneSpec.Colors[spec.Color], IsAntialias = true, Style = SKPaintStyle.Fill };
        switch (spec.Shape)
        {
            case "circle": canvas.DrawCircle(c, r, fill); break;
            case "square": canvas.DrawRect(c.X - r, c.Y - r, 2 * r, 2 * r, fill); break;
            case "ring":
                fill.Style = SKPaintStyle.Stroke;
                fill.StrokeWidth = r * 0.35f;
                canvas.DrawCircle(c, r * 0.82f, fill);
                break;
            case "cross":
                canvas.DrawRect(c.X - r, c.Y - r * 0.3f, 2 * r, r * 0.6f, fill);
                canvas.DrawRect(c.X - r * 0.3f, c.Y - r, r * 0.6f, 2 * r, fill);
                break;
            default: canvas.DrawPath(Polygon(spec.Shape, c, r), fill); break;
        }
        return bmp;
    }

    private static SKPoint Centre(SceneSpec spec, float r)
    {
        float m = r * 1.15f;
        float x = spec.Position.Contains("left") ? m : spec.Position.Contains("right") ? spec.Width - m : spec.Width / 2f;
        float y = spec.Position.Contains("top") ? m : spec.Position.Contains("bottom") ? spec.Height - m : spec.Height / 2f;
        return new SKPoint(x, y);
    }

    private static SKPath Polygon(string shape, SKPoint c, float r)
    {
        (int corners, float inner, float turn) = shape switch
        {
            "triangle" => (3, 1f, -90f),
            "star" => (5, 0.45f, -90f),
            "hexagon" => (6, 1f, 0f),
            "diamond" => (4, 1f, -90f),
            _ => throw new ArgumentException($"Unknown shape '{shape}'."),
        };
        using var path = new SKPathBuilder();
        int points = inner < 1f ? corners * 2 : corners;
        for (int i = 0; i < points; i++)
        {
            float radius = inner < 1f && i % 2 == 1 ? r * inner : r;
            double a = (turn + 360.0 * i / points) * Math.PI / 180;
            var p = new SKPoint(c.X + radius * (float)Math.Cos(a), c.Y + radius * (float)Math.Sin(a));
            if (i == 0) path.MoveTo(p); else path.LineTo(p);
        }
        path.Close();
        return path.Detach();
    }

    private static SKColor Shade(SKColor c, float f) =>
        new((byte)Math.Clamp(c.Red * f, 0, 255), (byte)Math.Clamp(c.Green * f, 0, 255), (byte)Math.Clamp(c.Blue * f, 0, 255));
}
