using SkiaSharp;
using System.Buffers.Binary;
using T2I.Core.Data;
using T2I.Core.Tests.Support;
using T2I.DataPrep.Bench;

namespace T2I.DataPrep.Tests.Bench;

/// <summary>The image codec's scratch-memory reuse, on the benchmark's photo-like JPEGs (they live with the bench).</summary>
public class PhotoLikeImageCodecTests
{
    [Fact]
    public void FitAndEncodeReusesPixelMemoryWithoutCarryingPixelsOver()
    {
        // Images of different sizes through reused scratch memory, then the first again: same bytes,
        // and the same pixels as the step-by-step path with bitmaps of its own.
        var first = PhotoLikeImages.Jpeg(3, 7);
        var h = ImageCodec.ReadHeader(first);
        var buckets = new[] { AspectBuckets.Nearest(256, h.Width, h.Height) };
        byte[] Run(byte[] jpeg) => ImageCodec.FitAndEncode(jpeg, buckets, SKEncodedImageFormat.Png, 100)[0];

        var a = Run(first);
        _ = ImageCodec.FitAndEncode(TestImages.Jpeg(1500, 1400), [new AspectBucket(512, 512)], SKEncodedImageFormat.Jpeg, 92);
        _ = ImageCodec.FitAndEncode(TestImages.Jpeg(300, 260), [new AspectBucket(256, 256)], SKEncodedImageFormat.Jpeg, 92);
        Assert.Equal(a, Run(first));
        // More images at once than the pool keeps scratch for: new and reused scratch alike give the same bytes.
        var parallel = new byte[4 * Environment.ProcessorCount][];
        Parallel.For(0, parallel.Length, i => parallel[i] = Run(first));
        Assert.All(parallel, p => Assert.Equal(a, p));

        var (w, hh) = ImageCodec.DecodeSize(h.Width, h.Height, buckets);
        using var decoded = ImageCodec.DecodeAtLeast(first, w, hh);
        using var fitted = ImageCodec.FitToBucket(decoded, buckets[0]);
        Assert.Equal(ImageCodec.EncodePng(fitted), a);
    }
}
