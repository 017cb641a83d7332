using SkiaSharp;
using T2I.Core.Data;

namespace T2I.DataPrep.Bench;

/// <summary>
/// Photo-sized JPEGs (500–1500 px) with photo-like entropy — soft blobs plus per-pixel grain — so decode cost
/// and file size (≈ 100–400 kB) resemble web photos rather than flat synthetic shapes.
/// </summary>
public static class PhotoLikeImages
{
    public static byte[] Jpeg(int index, int seed)
    {
        var rng = new Random(unchecked(seed * 31 + index));
        int w = rng.Next(500, 1501), h = rng.Next(500, 1501);
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bmp))
        {
            canvas.Clear(new SKColor((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)));
            using var paint = new SKPaint { IsAntialias = true, MaskFilter = SKMaskFilter.CreateBlur(SKBlurStyle.Normal, 12) };
            for (int i = 0; i < 40; i++)
            {
                paint.Color = new SKColor((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(80, 220));
                canvas.DrawCircle(rng.Next(w), rng.Next(h), rng.Next(20, Math.Max(21, Math.Min(w, h) / 3)), paint);
            }
        }
        // Sensor-like grain: what makes real photos expensive to encode and decode.
        var pixels = bmp.GetPixelSpan();
        var noise = new byte[pixels.Length];
        rng.NextBytes(noise);
        for (int i = 0; i < pixels.Length; i++)
            if ((i & 3) != 3) pixels[i] = (byte)Math.Clamp(pixels[i] + (noise[i] >> 3) - 16, 0, 255);
        return ImageCodec.EncodeJpeg(bmp, 90);
    }
}
