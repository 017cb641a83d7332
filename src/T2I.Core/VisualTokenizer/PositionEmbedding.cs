using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// Resampling of a learned absolute position table to another patch grid, as timm's
/// <c>resample_abs_pos_embed</c>: the grid part is interpolated bicubically with antialiasing
/// (align_corners = false) in fp32; prefix rows (a class position) are kept as they are.
/// </summary>
public static class PositionEmbedding
{
    /// <param name="table">[1, prefix + oldH·oldW, D]</param>
    public static Tensor Resample(Tensor table, int oldH, int oldW, int newH, int newW, int prefixRows)
    {
        if (table.shape[1] != prefixRows + (long)oldH * oldW)
            throw new ArgumentException($"Position table has {table.shape[1]} rows, expected {prefixRows} + {oldH}×{oldW}.");
        if (oldH == newH && oldW == newW) return table;
        long d = table.shape[2];
        var prefix = table.narrow(1, 0, prefixRows);
        var grid = table.narrow(1, prefixRows, (long)oldH * oldW).to(float32)
            .reshape(1, oldH, oldW, d).permute(0, 3, 1, 2);
        var resized = nn.functional.interpolate(grid, size: new long[] { newH, newW }, mode: InterpolationMode.Bicubic,
            align_corners: false, antialias: true);
        var rows = resized.permute(0, 2, 3, 1).reshape(1, (long)newH * newW, d).to(table.dtype);
        return prefixRows > 0 ? cat(new[] { prefix, rows }, 1) : rows;
    }
}
