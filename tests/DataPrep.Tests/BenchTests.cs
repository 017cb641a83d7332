using T2I.Core.Data;
using T2I.DataPrep.Bench;
using T2I.Core.Tests.Support;

namespace T2I.DataPrep.Tests;

/// <summary>The benchmark's fairness checks: it must compare like with like.</summary>
public class BenchTests
{
    [Fact]
    public void ChromaSubsamplingIsReadFromTheFrameHeader()
    {
        // SkiaSharp's JPEG encoder subsamples chroma 4:2:0 — vips must be told to do the same at Q ≥ 90.
        Assert.Equal("4:2:0", JpegInfo.Chroma(TestImages.Jpeg(64, 48, quality: 92)));
        var jpeg = TestImages.Jpeg(64, 48, quality: 92);
        int sof = jpeg.AsSpan().IndexOf(new byte[] { 0xFF, 0xC0 });
        jpeg[sof + 11] = 0x11; // luma sampling 1×1: the same as chroma
        Assert.Equal("4:4:4", JpegInfo.Chroma(jpeg));
        Assert.Equal("?", JpegInfo.Chroma("not a jpeg"u8.ToArray()));
    }

    [Fact]
    public void InProcessLibvipsProducesTheSameKindOfOutputAsOurs()
    {
        // libvips-tools is installed by infra/install-deps.sh; the benchmark compares with it in this process.
        Assert.True(VipsInProcess.Available, "libvips (libvips42) did not load");
        var bucket = new AspectBucket(384, 256);
        var output = VipsInProcess.Thumbnail(TestImages.Jpeg(900, 640, quality: 95), bucket, 92);
        Assert.Equal(new ImageHeader(384, 256, "jpeg"), ImageCodec.ReadHeader(output));
        Assert.Equal("4:2:0", JpegInfo.Chroma(output));
        using var pixels = ImageCodec.Decode(output);
        Assert.True(pixels.GetPixel(10, 128).Red > 200 && pixels.GetPixel(373, 128).Blue > 200, "centre crop keeps red left, blue right");
        Assert.Throws<InvalidOperationException>(() => VipsInProcess.Thumbnail("not an image"u8.ToArray(), bucket, 92));
    }
}
