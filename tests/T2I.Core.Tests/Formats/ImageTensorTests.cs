using SkiaSharp;
using T2I.Core.Data;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Formats;

public class ImageTensorTests
{
    /// <summary>256 columns so every byte value appears in every channel, in different orders per channel.</summary>
    private static SKBitmap Gradient(SKColorType type = SKColorType.Rgba8888, SKAlphaType alpha = SKAlphaType.Unpremul, int rows = 3)
    {
        var bitmap = new SKBitmap(new SKImageInfo(256, rows, type, alpha));
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < 256; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)x, (byte)(255 - x), (byte)((x * 7 + y) % 256), 255));
        return bitmap;
    }

    private static byte[] RgbBytes(SKBitmap b)
    {
        var result = new List<byte>();
        for (int y = 0; y < b.Height; y++)
            for (int x = 0; x < b.Width; x++)
            {
                var c = b.GetPixel(x, y);
                result.AddRange([c.Red, c.Green, c.Blue]);
            }
        return result.ToArray();
    }

    [Theory]
    [InlineData(SKColorType.Rgba8888, SKAlphaType.Unpremul)]
    [InlineData(SKColorType.Rgba8888, SKAlphaType.Premul)]
    [InlineData(SKColorType.Bgra8888, SKAlphaType.Opaque)]
    [InlineData(SKColorType.Bgra8888, SKAlphaType.Premul)]
    public void EveryByteValueRoundTripsExactly(SKColorType type, SKAlphaType alpha)
    {
        using var scope = NewDisposeScope();
        using var source = Gradient(type, alpha);
        var t = ImageTensor.FromBitmap(source);
        Assert.Equal(new long[] { 3, 3, 256 }, t.shape);
        Assert.Equal(ScalarType.Float32, t.dtype);
        // Channel order and the affine map: R = x, G = 255 - x at column x.
        Assert.Equal(-1f, t[0, 1, 0].item<float>());
        Assert.Equal(1f, t[0, 1, 255].item<float>());
        Assert.Equal(1f, t[1, 1, 0].item<float>());
        Assert.Equal(64 / 127.5f - 1f, t[0, 2, 64].item<float>(), 6);
        Assert.Equal((7 * 10 + 2) / 127.5f - 1f, t[2, 2, 10].item<float>(), 6);

        using var back = ImageTensor.ToBitmap(t);
        Assert.Equal(SKColorType.Rgba8888, back.ColorType);
        Assert.Equal(RgbBytes(source), RgbBytes(back));
    }

    [Fact]
    public void OtherColourTypesAreConverted()
    {
        using var scope = NewDisposeScope();
        using var gray = new SKBitmap(new SKImageInfo(4, 2, SKColorType.Gray8, SKAlphaType.Opaque));
        gray.Erase(new SKColor(200, 200, 200));
        var t = ImageTensor.FromBitmap(gray);
        Assert.True(t.allclose(full([3, 2, 4], 200 / 127.5f - 1f)));
    }

    [Fact]
    public void PremultipliedColoursAreUnpremultiplied()
    {
        using var scope = NewDisposeScope();
        using var bitmap = new SKBitmap(new SKImageInfo(1, 1, SKColorType.Rgba8888, SKAlphaType.Premul));
        new byte[] { 100, 50, 0, 128 }.CopyTo(bitmap.GetPixelSpan()); // premultiplied (200, 100, 0) at alpha 128
        var t = ImageTensor.FromBitmap(bitmap);
        Assert.InRange((t[0, 0, 0].item<float>() + 1) * 127.5f, 198.5f, 200.5f);
        Assert.InRange((t[1, 0, 0].item<float>() + 1) * 127.5f, 98.5f, 100.5f);
    }

    [Fact]
    public void ToBitmapClampsRoundsAndHandlesNaN()
    {
        using var scope = NewDisposeScope();
        float step = 1 / 127.5f;
        var values = new float[] { -3f, 5f, float.NaN, 0f, -1f + 10 * step + 0.4f * step, -1f + 10 * step + 0.6f * step };
        var t = tensor(values).reshape(1, 1, 6).expand(3, 1, 6);
        using var bitmap = ImageTensor.ToBitmap(t);
        Assert.Equal(new byte[] { 0, 255, 0, 128, 10, 11 }, Enumerable.Range(0, 6).Select(x => bitmap.GetPixel(x, 0).Red).ToArray());
        Assert.All(Enumerable.Range(0, 6), x => Assert.Equal(255, bitmap.GetPixel(x, 0).Alpha));
    }

    [Fact]
    public void AcceptsBatchOfOneGreyAndOtherDTypes()
    {
        using var scope = NewDisposeScope();
        var grey = full([1, 2, 2], 1f);
        using var g = ImageTensor.ToBitmap(grey);
        Assert.Equal(new SKColor(255, 255, 255, 255), g.GetPixel(1, 1));
        using var b = ImageTensor.ToBitmap(full([1, 3, 2, 2], -1f).to(ScalarType.BFloat16));
        Assert.Equal(new SKColor(0, 0, 0, 255), b.GetPixel(0, 1));
        Assert.Throws<ArgumentException>(() => ImageTensor.ToBitmap(zeros(4, 2, 2)));
    }

    [Fact]
    public void BatchHelpersStackAndSplit()
    {
        using var scope = NewDisposeScope();
        using var a = Gradient(rows: 2);
        using var b = Gradient(SKColorType.Bgra8888, SKAlphaType.Premul, rows: 2);
        b.SetPixel(5, 1, new SKColor(1, 2, 3));
        var batch = ImageTensor.FromBitmaps([a, b]);
        Assert.Equal(new long[] { 2, 3, 2, 256 }, batch.shape);
        Assert.True(batch[0].equal(ImageTensor.FromBitmap(a)).all().item<bool>());
        Assert.True(batch[1].equal(ImageTensor.FromBitmap(b)).all().item<bool>());

        var bitmaps = ImageTensor.ToBitmaps(batch);
        Assert.Equal(2, bitmaps.Length);
        Assert.Equal(RgbBytes(b), RgbBytes(bitmaps[1]));
        foreach (var bm in bitmaps) bm.Dispose();

        using var small = new SKBitmap(8, 8);
        Assert.Throws<ArgumentException>(() => ImageTensor.FromBitmaps([a, small]));
    }

    [Fact]
    public void SurvivesPngEncodeAndDecode()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var image = (rand(3, 16, 24) * 255).round() / 127.5 - 1;
        using var bitmap = ImageTensor.ToBitmap(image);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var decoded = SKBitmap.Decode(data);
        var again = ImageTensor.FromBitmap(decoded);
        Assert.True(again.allclose(image.to(ScalarType.Float32), rtol: 0, atol: 1e-6));
    }
}
