using SkiaSharp;
using T2I.Core.Data;
using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>A PNG with originals in the top row and their reconstructions in the row below, side by side.</summary>
public static class ReconstructionGrid
{
    /// <summary>The grid as one image tensor [3, 2H, N·W] in [-1, 1].</summary>
    public static Tensor Compose(Tensor originals, Tensor reconstructions)
    {
        ImagePairs.Check(originals, reconstructions);
        if (originals.shape[1] != 3)
            throw new ArgumentException($"Expected RGB images [N, 3, H, W], got [{string.Join(", ", originals.shape)}].",
                nameof(originals));
        using var scope = NewDisposeScope();
        // [N, 3, H, W] → [3, H, N·W]: the images of a batch placed left to right.
        static Tensor Row(Tensor batch) => batch.detach().to(ScalarType.Float32).cpu().permute(1, 2, 0, 3).flatten(2);
        return cat([Row(originals), Row(reconstructions)], 1).MoveToOuterDisposeScope();
    }

    /// <summary>Writes the grid as PNG to <paramref name="path"/> (temp file + rename).</summary>
    public static void Save(Tensor originals, Tensor reconstructions, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var grid = Compose(originals, reconstructions);
        using var bitmap = ImageTensor.ToBitmap(grid);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("PNG encoding of the reconstruction grid failed.");
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            File.WriteAllBytes(temp, data.ToArray());
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
