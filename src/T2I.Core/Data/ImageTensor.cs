using System.Runtime.InteropServices;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Data;

/// <summary>
/// Converts between SkiaSharp bitmaps and float32 CHW tensors with values in [-1, 1]
/// (0 → -1, 255 → 1), the range the tokenizer and DiT work in. Alpha is dropped: colours are taken
/// unpremultiplied, and bitmaps made from tensors are opaque. Conversions run over the pixel memory directly.
/// </summary>
public static class ImageTensor
{
    /// <summary>Byte value → [-1, 1], precomputed so the per-pixel loop is three lookups.</summary>
    private static readonly float[] ByteToUnit = Enumerable.Range(0, 256).Select(b => (float)(b / 127.5 - 1.0)).ToArray();

    /// <summary>A float32 CPU tensor [3, H, W] in [-1, 1] from any bitmap colour type.</summary>
    public static Tensor FromBitmap(SKBitmap bitmap)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        var result = torch.empty([3, bitmap.Height, bitmap.Width], ScalarType.Float32, CPU);
        try
        {
            Fill(bitmap, MemoryMarshal.Cast<byte, float>(result.bytes));
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>A float32 CPU batch [N, 3, H, W]; every bitmap must have the same size.</summary>
    public static Tensor FromBitmaps(IReadOnlyList<SKBitmap> bitmaps)
    {
        ArgumentNullException.ThrowIfNull(bitmaps);
        if (bitmaps.Count == 0) throw new ArgumentException("At least one bitmap is needed.", nameof(bitmaps));
        int w = bitmaps[0].Width, h = bitmaps[0].Height;
        var result = torch.empty([bitmaps.Count, 3, h, w], ScalarType.Float32, CPU);
        try
        {
            var all = MemoryMarshal.Cast<byte, float>(result.bytes);
            int per = 3 * h * w;
            for (int i = 0; i < bitmaps.Count; i++)
            {
                if (bitmaps[i].Width != w || bitmaps[i].Height != h)
                    throw new ArgumentException($"Bitmap {i} is {bitmaps[i].Width}x{bitmaps[i].Height}, expected {w}x{h} like " +
                        $"bitmap 0.", nameof(bitmaps));
                Fill(bitmaps[i], all.Slice(i * per, per));
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// An opaque RGBA8888 bitmap from [3, H, W] (or [1, 3, H, W]; [1, H, W] is grey) in [-1, 1], any dtype or
    /// device. Values are clamped to [-1, 1] and rounded to the nearest byte; NaN becomes 0.
    /// </summary>
    public static SKBitmap ToBitmap(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var scope = NewDisposeScope();
        if (image.dim() == 4 && image.shape[0] == 1) image = image[0];
        if (image.dim() != 3 || (image.shape[0] != 3 && image.shape[0] != 1))
            throw new ArgumentException($"Expected an image tensor [3, H, W] or [1, H, W], got " +
                $"[{string.Join(", ", image.shape)}].", nameof(image));
        var pixels = image.detach().to(ScalarType.Float32).cpu().contiguous();
        int channels = (int)pixels.shape[0], h = (int)pixels.shape[1], w = (int)pixels.shape[2];
        var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        WriteRgba(MemoryMarshal.Cast<byte, float>(pixels.bytes), channels, w, h, bitmap.GetPixelSpan(), bitmap.RowBytes);
        return bitmap;
    }

    /// <summary>One bitmap per item of a batch [N, 3, H, W].</summary>
    public static SKBitmap[] ToBitmaps(Tensor batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.dim() != 4) throw new ArgumentException($"Expected a batch [N, 3, H, W], got " +
            $"[{string.Join(", ", batch.shape)}].", nameof(batch));
        var result = new SKBitmap[batch.shape[0]];
        for (int i = 0; i < result.Length; i++)
        {
            using var item = batch[i];
            result[i] = ToBitmap(item);
        }
        return result;
    }

    /// <summary>Writes planar R, G, B floats for <paramref name="bitmap"/> into <paramref name="planes"/> (3·H·W).</summary>
    private static void Fill(SKBitmap bitmap, Span<float> planes)
    {
        int w = bitmap.Width, h = bitmap.Height;
        var info = bitmap.Info;
        bool rgba = info.ColorType == SKColorType.Rgba8888, bgra = info.ColorType == SKColorType.Bgra8888;
        if ((rgba || bgra) && info.AlphaType != SKAlphaType.Premul)
        {
            // Already 8-bit unpremultiplied: read the bitmap's own memory.
            FillFrom8888(bitmap.GetPixelSpan(), bitmap.RowBytes, w, h, rIndex: rgba ? 0 : 2, bIndex: rgba ? 2 : 0, planes);
            return;
        }
        // Any other layout (premultiplied, 565, gray, F16, ...): let Skia convert into an RGBA8888 buffer.
        using var pixmap = bitmap.PeekPixels() ?? throw new ArgumentException("Bitmap has no readable pixels.", nameof(bitmap));
        var buffer = new byte[checked(w * h * 4)];
        unsafe
        {
            fixed (byte* p = buffer)
                if (!pixmap.ReadPixels(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul), (IntPtr)p, w * 4))
                    throw new ArgumentException($"Cannot convert a {info.ColorType}/{info.AlphaType} bitmap to RGBA8888.", nameof(bitmap));
        }
        FillFrom8888(buffer, w * 4, w, h, rIndex: 0, bIndex: 2, planes);
    }

    private static void FillFrom8888(ReadOnlySpan<byte> pixels, int rowBytes, int w, int h, int rIndex, int bIndex, Span<float> planes)
    {
        int plane = w * h;
        var r = planes[..plane];
        var g = planes.Slice(plane, plane);
        var b = planes.Slice(2 * plane, plane);
        var lut = ByteToUnit;
        for (int y = 0; y < h; y++)
        {
            var row = pixels.Slice(y * rowBytes, w * 4);
            int o = y * w;
            for (int x = 0; x < w; x++)
            {
                int p = 4 * x;
                r[o + x] = lut[row[p + rIndex]];
                g[o + x] = lut[row[p + 1]];
                b[o + x] = lut[row[p + bIndex]];
            }
        }
    }

    private static void WriteRgba(ReadOnlySpan<float> planes, int channels, int w, int h, Span<byte> pixels, int rowBytes)
    {
        int plane = w * h;
        var r = planes[..plane];
        var g = channels == 3 ? planes.Slice(plane, plane) : r;
        var b = channels == 3 ? planes.Slice(2 * plane, plane) : r;
        for (int y = 0; y < h; y++)
        {
            var row = pixels.Slice(y * rowBytes, w * 4);
            int o = y * w;
            for (int x = 0; x < w; x++)
            {
                int p = 4 * x;
                row[p] = ToByte(r[o + x]);
                row[p + 1] = ToByte(g[o + x]);
                row[p + 2] = ToByte(b[o + x]);
                row[p + 3] = 255;
            }
        }
    }

    /// <summary>[-1, 1] → nearest byte, clamped; comparisons are written so NaN falls through to 0.</summary>
    private static byte ToByte(float v)
    {
        float x = (v + 1f) * 127.5f;
        return x >= 255f ? (byte)255 : x > 0f ? (byte)(x + 0.5f) : (byte)0;
    }
}
