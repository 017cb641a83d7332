using SkiaSharp;
using T2I.Core.Eval;

namespace T2I.Core.Tests.Eval;

public class PromptGridTests
{
    private static byte[] Solid(SKColor color, int w = 8, int h = 8)
    {
        using var bitmap = new SKBitmap(w, h);
        bitmap.Erase(color);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    [Fact]
    public void CellsLandInTheirRowAndColumnWithAGapBetween()
    {
        SKColor[][] colors = [[SKColors.Red, SKColors.Lime, SKColors.Blue], [SKColors.Black, SKColors.Yellow, SKColors.Cyan]];
        var rows = colors.Select(r => (IReadOnlyList<byte[]>)r.Select(c => Solid(c)).ToList()).ToList();
        using var grid = SKBitmap.Decode(PromptGrid.Compose(rows, gap: 2));
        Assert.Equal((3 * 8 + 2 * 2, 2 * 8 + 2), (grid.Width, grid.Height));
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 3; c++)
                Assert.Equal(colors[r][c], grid.GetPixel(c * 10 + 4, r * 10 + 4));
        Assert.Equal(SKColors.White, grid.GetPixel(9, 4)); // the gap
    }

    [Fact]
    public void ImagesOfDifferentSizesAreRefused() =>
        Assert.Throws<ArgumentException>(() => PromptGrid.Compose([[Solid(SKColors.Red), Solid(SKColors.Red, 16, 8)]]));
}
