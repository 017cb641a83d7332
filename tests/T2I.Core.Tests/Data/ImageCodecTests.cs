using System.Buffers.Binary;
using SkiaSharp;
using T2I.Core.Data;
using T2I.Core.Tests.Support;

namespace T2I.Core.Tests.Data;

public class ImageCodecTests
{
    [Fact]
    public void HeaderIsReadWithoutDecoding()
    {
        var h = ImageCodec.ReadHeader(TestImages.Jpeg(640, 360));
        Assert.Equal(new ImageHeader(640, 360, "jpeg"), h);
    }

    [Fact]
    public void DecompressionBombIsRefusedFromTheHeader()
    {
        // A real 16×16 PNG whose IHDR is rewritten to claim 30000×30000 (CRC fixed so the header is valid).
        using var small = TestImages.Halves(16, 16);
        var png = ImageCodec.EncodePng(small);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), 30000);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), 30000);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32Png(png.AsSpan(12, 17)));

        Assert.Equal(30000, ImageCodec.ReadHeader(png).Width);
        var ex = Assert.Throws<InvalidImageException>(() => ImageCodec.Decode(png, maxPixels: 100_000_000));
        Assert.Equal("too_many_pixels", ex.Reason);
    }

    [Fact]
    public void GarbageAndTruncatedImagesAreRefusedWithReasons()
    {
        Assert.Equal("undecodable", Assert.Throws<InvalidImageException>(() => ImageCodec.Decode("not an image"u8.ToArray())).Reason);
        var jpeg = TestImages.Jpeg(400, 300);
        var cut = jpeg[..(jpeg.Length / 2)];
        var reason = Assert.Throws<InvalidImageException>(() => ImageCodec.Decode(cut)).Reason;
        Assert.Contains(reason, new[] { "truncated_image", "undecodable" });
    }

    [Fact]
    public void ScaledDecodeStillCoversTheRequestedSize()
    {
        var jpeg = TestImages.Jpeg(1600, 1200);
        using var bmp = ImageCodec.DecodeAtLeast(jpeg, 300, 200);
        Assert.True(bmp.Width >= 300 && bmp.Height >= 200);
        Assert.True(bmp.Width < 1600, "a JPEG 5× larger than needed should decode at a reduced DCT scale");
    }

    [Fact]
    public void FitToBucketCropsTheCentreOnly()
    {
        // 2:1 image into a square bucket: the minimal crop keeps the middle, so both colours stay, split in the middle.
        using var src = TestImages.Halves(800, 400);
        using var fit = ImageCodec.FitToBucket(src, new AspectBucket(256, 256));
        Assert.Equal((256, 256), (fit.Width, fit.Height));
        AssertNear(SKColors.Red, fit.GetPixel(20, 128));
        AssertNear(SKColors.Blue, fit.GetPixel(235, 128));

        // 4:3 image into a 3:2 bucket keeps the full width.
        using var src2 = TestImages.Halves(1200, 900);
        using var fit2 = ImageCodec.FitToBucket(src2, new AspectBucket(384, 256));
        Assert.Equal((384, 256), (fit2.Width, fit2.Height));
        AssertNear(SKColors.Red, fit2.GetPixel(2, 128));
        AssertNear(SKColors.Blue, fit2.GetPixel(381, 128));
    }

    [Fact]
    public void LargeDownscalesHalveThroughScratchMemoryWithoutMixingSteps()
    {
        // 2400×1200 gradient PNG into 256×256: cover size 512×256 via two halvings (ping-pong between scratch
        // slots) and a final cubic step, then the middle 256 columns. Any step reading the memory it writes
        // would break the gradient.
        using var src = new SKBitmap(2400, 1200, SKColorType.Rgba8888, SKAlphaType.Premul);
        var px = src.GetPixelSpan();
        for (int y = 0, i = 0; y < 1200; y++)
            for (int x = 0; x < 2400; x++, i += 4)
                (px[i], px[i + 1], px[i + 2], px[i + 3]) = ((byte)(x * 255 / 2399), (byte)(y * 255 / 1199), 128, 255);
        var png = ImageCodec.FitAndEncode(ImageCodec.EncodePng(src), [new AspectBucket(256, 256)], SKEncodedImageFormat.Png, 100)[0];
        using var fit = ImageCodec.Decode(png);
        Assert.Equal((256, 256), (fit.Width, fit.Height));
        for (int y = 0; y < 256; y += 15)
            for (int x = 0; x < 256; x += 15)
            {
                var c = fit.GetPixel(x, y);
                Assert.InRange(c.Red, 255 * (x + 128.5) / 512 - 4, 255 * (x + 128.5) / 512 + 4);
                Assert.InRange(c.Green, 255 * (y + 0.5) / 256 - 4, 255 * (y + 0.5) / 256 + 4);
            }
    }

    [Fact]
    public void EncodesRoundTrip()
    {
        using var src = TestImages.Halves(64, 48);
        using var fromPng = ImageCodec.Decode(ImageCodec.EncodePng(src));
        Assert.Equal(src.GetPixel(5, 5), fromPng.GetPixel(5, 5));
        Assert.Equal("webp", ImageCodec.ReadHeader(ImageCodec.EncodeWebp(src)).Format);
    }

    private static void AssertNear(SKColor expected, SKColor actual)
    {
        int d = Math.Abs(expected.Red - actual.Red) + Math.Abs(expected.Green - actual.Green) + Math.Abs(expected.Blue - actual.Blue);
        Assert.True(d < 40, $"expected {expected}, got {actual}");
    }

    /// <summary>CRC-32 (IEEE, reflected), as PNG chunks use.</summary>
    private static uint Crc32Png(ReadOnlySpan<byte> typeAndData)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in typeAndData)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
