using SkiaSharp;
using T2I.Core.Data;

namespace T2I.Core.Tests.Data;

/// <summary>The resize inside <see cref="ImageCodec.Resize"/> and <see cref="ImageCodec.FitToBucket"/>.</summary>
public class ResamplerTests
{
    [Theory]
    [InlineData(220, 20)] // 1.5×, no halving pre-filter applies; measured 11.9 (Skia's unwidened cubic: 68.4)
    [InlineData(100, 8)]  // 3.3×; measured 3.0
    public void ShrinkingFineStripesGivesFlatGreyNotAliasing(int width, double maxDeviation)
    {
        // One-pixel black/white columns: a kernel that is not widened when shrinking samples them at drifting
        // phases and returns beats; a low-pass one returns mid grey everywhere.
        using var src = Bitmap(330, 99, (x, _) => x % 2 == 0 ? (byte)0 : (byte)255, _ => 255);
        using var small = ImageCodec.Resize(src, width, 30);
        var reds = Pixels(small).Select(p => (double)p.Red).ToList();
        double mean = reds.Average(), sd = Math.Sqrt(reds.Average(r => (r - mean) * (r - mean)));
        Assert.InRange(mean, 120, 135);
        Assert.True(sd < maxDeviation, $"standard deviation {sd:0.0}: the stripes aliased");
    }

    [Theory]
    [InlineData(640, 480, 97, 61)]
    [InlineData(300, 200, 600, 450)]
    [InlineData(31, 17, 5, 3)]
    public void FlatColourStaysExactlyFlatUpToTheEdges(int w, int h, int tw, int th)
    {
        using var src = Bitmap(w, h, (_, _) => 77, _ => 255);
        using var resized = ImageCodec.Resize(src, tw, th);
        Assert.Equal((tw, th), (resized.Width, resized.Height));
        Assert.All(Pixels(resized), p => Assert.Equal(new SKColor(77, 77, 77, 255), p));
    }

    [Fact]
    public void PremultipliedColourNeverExceedsAlphaAfterOvershoot()
    {
        // Opaque white squares on a transparent background: the cubic's negative lobes overshoot at the edges.
        using var src = Bitmap(200, 200, (x, y) => (x / 10 + y / 10) % 2 == 0 ? (byte)255 : (byte)0, x => (x / 10) % 2 == 0 ? (byte)255 : (byte)0);
        using var resized = ImageCodec.Resize(src, 73, 73);
        using var pixmap = resized.PeekPixels();
        var bytes = pixmap.GetPixelSpan<byte>().ToArray();
        for (int i = 0; i < bytes.Length; i += 4)
            Assert.True(bytes[i] <= bytes[i + 3] && bytes[i + 1] <= bytes[i + 3] && bytes[i + 2] <= bytes[i + 3], $"pixel {i / 4} is not valid premultiplied");
    }

    [Fact]
    public void FitToBucketIsTheCentreWindowOfTheFullResize()
    {
        // The fit resamples only the window it keeps; it must equal cropping the whole resized image.
        var rng = new Random(3);
        using var src = Bitmap(517, 389, (_, _) => (byte)rng.Next(256), _ => 255);
        var bucket = new AspectBucket(256, 176); // cover: 256 × 193 → 17 rows cut, 8 at the top
        using var fit = ImageCodec.FitToBucket(src, bucket);
        using var full = ImageCodec.Resize(src, 256, 193);
        for (int y = 0; y < bucket.Height; y += 7)
            for (int x = 0; x < bucket.Width; x += 5)
                Assert.Equal(full.GetPixel(x, y + 8), fit.GetPixel(x, y));
    }

    private static SKBitmap Bitmap(int w, int h, Func<int, int, byte> grey, Func<int, byte> alpha)
    {
        var bmp = new SKBitmap(w, h, SKColorType.Rgba8888, SKAlphaType.Premul);
        var px = bmp.GetPixelSpan();
        for (int y = 0, i = 0; y < h; y++)
            for (int x = 0; x < w; x++, i += 4)
            {
                byte a = alpha(x), g = (byte)(grey(x, y) * a / 255);
                (px[i], px[i + 1], px[i + 2], px[i + 3]) = (g, g, g, a);
            }
        return bmp;
    }

    private static IEnumerable<SKColor> Pixels(SKBitmap b)
    {
        for (int y = 0; y < b.Height; y++)
            for (int x = 0; x < b.Width; x++) yield return b.GetPixel(x, y);
    }
}
