using T2I.Core.Data;
using T2I.DataPrep.Bench;
using T2I.DataPrep.Tests.Support;

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

    [Theory]
    [InlineData(1000, 750, 320, 208, 1)]   // observed: vipsthumbnail logs "loading with factor 1 pre-shrink"
    [InlineData(1500, 1125, 256, 256, 2)]  // observed: factor 2
    [InlineData(5200, 3900, 320, 240, 8)]
    [InlineData(2600, 2000, 320, 240, 4)]
    public void VipsShrinkOnLoadKeepsAtLeastTwiceTheTarget(int w, int h, int bw, int bh, int factor) =>
        Assert.Equal(factor, Throughput.VipsJpegShrink(w, h, new AspectBucket(bw, bh)));
}
