using SkiaSharp;

namespace T2I.Core.Tests.Support;

public static class TestImages
{
    /// <summary>Left half red, right half blue: crops and resizes are visible in the centre and edge colours.</summary>
    public static SKBitmap Halves(int width, int height)
    {
        var bmp = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var canvas = new SKCanvas(bmp);
        canvas.Clear(SKColors.Red);
        using var paint = new SKPaint { Color = SKColors.Blue };
        canvas.DrawRect(width / 2f, 0, width / 2f, height, paint);
        return bmp;
    }

    public static byte[] Jpeg(int width, int height, int quality = 90)
    {
        using var bmp = Halves(width, height);
        return T2I.Core.Data.ImageCodec.EncodeJpeg(bmp, quality);
    }
}
