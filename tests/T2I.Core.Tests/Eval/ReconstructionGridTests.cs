using SkiaSharp;
using T2I.Core.Eval;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Eval;

public class ReconstructionGridTests
{
    [Fact]
    public void OriginalsSitAboveTheirReconstructions()
    {
        using var scope = NewDisposeScope();
        // Two 8×6 originals (red, green) and reconstructions (blue, white).
        var originals = stack([Solid(1, -1, -1), Solid(-1, 1, -1)]);
        var recons = stack([Solid(-1, -1, 1), Solid(1, 1, 1)]);
        string dir = Directory.CreateTempSubdirectory("t2i-grid").FullName;
        try
        {
            string path = Path.Combine(dir, "sub", "grid.png");
            ReconstructionGrid.Save(originals, recons, path);
            using var bmp = SKBitmap.Decode(path);
            Assert.Equal(16, bmp.Width);
            Assert.Equal(12, bmp.Height);
            Assert.Equal(new SKColor(255, 0, 0), bmp.GetPixel(3, 2));
            Assert.Equal(new SKColor(0, 255, 0), bmp.GetPixel(11, 5));
            Assert.Equal(new SKColor(0, 0, 255), bmp.GetPixel(0, 6));
            Assert.Equal(new SKColor(255, 255, 255), bmp.GetPixel(15, 11));
            Assert.Single(Directory.GetFiles(Path.Combine(dir, "sub")));
        }
        finally { Directory.Delete(dir, true); }
    }

    private static Tensor Solid(float r, float g, float b) =>
        tensor(new[] { r, g, b }).reshape(3, 1, 1).expand(3, 6, 8).contiguous();
}
