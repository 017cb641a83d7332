using SkiaSharp;

namespace T2I.Core.Eval;

/// <summary>
/// Generated PNGs laid out as a table: one column per prompt pair, one row per (variant, seed), each cell at the
/// images' own size. What the README shows for a fixed prompt list.
/// </summary>
public static class PromptGrid
{
    /// <summary><paramref name="rows"/>[r][c] is the PNG of row r, column c; every cell must have the first one's size.</summary>
    public static byte[] Compose(IReadOnlyList<IReadOnlyList<byte[]>> rows, int gap = 2)
    {
        var cells = rows.Select(r => r.Select(SKImage.FromEncodedData).ToList()).ToList();
        try
        {
            int w = cells[0][0].Width, h = cells[0][0].Height, columns = cells.Max(r => r.Count);
            if (cells.SelectMany(r => r).Any(b => b.Width != w || b.Height != h))
                throw new ArgumentException("every image of a prompt grid must have the same size");
            using var grid = new SKBitmap(columns * (w + gap) - gap, cells.Count * (h + gap) - gap);
            using (var canvas = new SKCanvas(grid))
            {
                canvas.Clear(SKColors.White);
                for (int r = 0; r < cells.Count; r++)
                    for (int c = 0; c < cells[r].Count; c++)
                        canvas.DrawImage(cells[r][c], SKRect.Create(c * (w + gap), r * (h + gap), w, h), SKSamplingOptions.Default);
            }
            using var png = grid.Encode(SKEncodedImageFormat.Png, 100);
            return png.ToArray();
        }
        finally { foreach (var b in cells.SelectMany(r => r)) b.Dispose(); }
    }
}
