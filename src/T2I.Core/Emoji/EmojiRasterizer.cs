using SkiaSharp;
using Svg.Skia;
using T2I.Core.Data;

namespace T2I.Core.Emoji;

/// <summary>
/// Draws one <see cref="EmojiArt"/> as an opaque square PNG: the picture scaled to fit, alpha composited ("over",
/// premultiplied) on a plain background, as a photo of the emoji on paper would be. SVG is drawn at the target size
/// (Svg.Skia), bitmaps are resampled: Mitchell cubic when enlarging, mipmapped linear when reducing, not at all at their
/// own size.
/// </summary>
public static class EmojiRasterizer
{
    /// <summary>The PNG and the source's own pixel size (an SVG's is its viewBox); <see cref="InvalidImageException"/>
    /// when the source does not decode or parse.</summary>
    public static (byte[] Png, int SourceWidth, int SourceHeight) Render(EmojiArt art, int size, SKColor background)
    {
        using var surface = SKSurface.Create(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"No {size}×{size} drawing surface.");
        var canvas = surface.Canvas;
        canvas.Clear(background.WithAlpha(255));
        var (w, h) = art.Svg is { } svg ? DrawSvg(canvas, svg, size) : DrawBitmap(canvas, art.File!, size);
        canvas.Flush();
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("PNG encoding failed.");
        return (data.ToArray(), w, h);
    }

    private static (int, int) DrawBitmap(SKCanvas canvas, string file, int size)
    {
        using var source = SKImage.FromEncodedData(File.ReadAllBytes(file))
            ?? throw new InvalidImageException("undecodable", $"{file} is not a PNG or WebP image.");
        var target = Fit(source.Width, source.Height, size);
        // At its own size a picture is copied as is (a cubic filter would soften it even at scale 1).
        var sampling = target.Width == source.Width && target.Height == source.Height ? SKSamplingOptions.Default
            : target.Width > source.Width ? new SKSamplingOptions(SKCubicResampler.Mitchell)
            : new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);
        canvas.DrawImage(source, target, sampling);
        return (source.Width, source.Height);
    }

    private static (int, int) DrawSvg(SKCanvas canvas, string svgText, int size)
    {
        using var svg = new SKSvg();
        SKPicture? picture;
        try { picture = svg.FromSvg(svgText); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidImageException("bad_svg", $"SVG does not parse: {e.Message}");
        }
        var box = picture?.CullRect ?? SKRect.Empty;
        if (picture is null || box.Width <= 0 || box.Height <= 0) throw new InvalidImageException("bad_svg", "SVG draws nothing.");
        var target = Fit(box.Width, box.Height, size);
        canvas.Save();
        canvas.Translate(target.Left, target.Top);
        canvas.Scale(target.Width / box.Width, target.Height / box.Height);
        canvas.Translate(-box.Left, -box.Top);
        canvas.DrawPicture(picture);
        canvas.Restore();
        return ((int)Math.Round(box.Width), (int)Math.Round(box.Height));
    }

    /// <summary>The largest rectangle of the source's aspect that fits the square, centred.</summary>
    private static SKRect Fit(float width, float height, int size)
    {
        float scale = size / Math.Max(width, height), w = width * scale, h = height * scale;
        return SKRect.Create((size - w) / 2, (size - h) / 2, w, h);
    }
}
