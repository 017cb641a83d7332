using SkiaSharp;

namespace T2I.Core.Data;

/// <summary>Size and container format of an encoded image, read from its header without decoding pixels.</summary>
public sealed record ImageHeader(int Width, int Height, string Format);

/// <summary>
/// Decode, resize and encode with SkiaSharp. Every decode reads the header first and refuses images above a
/// pixel budget before any pixel memory is allocated (a 50 kB PNG can claim 60 000 × 60 000 pixels).
/// JPEGs are decoded at a reduced DCT scale when the target is much smaller — the same trick as libvips'
/// shrink-on-load, and most of the speed of a thumbnailer.
/// </summary>
public static class ImageCodec
{
    /// <summary>Default decompression-bomb guard: 64 megapixels (an 8000 × 8000 photo).</summary>
    public const long DefaultMaxPixels = 64L * 1024 * 1024;

    private static readonly SKSamplingOptions Downscale = new(SKCubicResampler.Mitchell);

    /// <summary>Reads the header; throws <see cref="InvalidImageException"/> if it is not a JPEG/PNG/WebP image.</summary>
    public static ImageHeader ReadHeader(byte[] encoded)
    {
        using var codec = OpenCodec(encoded);
        return new ImageHeader(codec.Info.Width, codec.Info.Height, FormatName(codec.EncodedFormat));
    }

    /// <summary>Decodes the whole image at full size (after the pixel-budget check).</summary>
    public static SKBitmap Decode(byte[] encoded, long maxPixels = DefaultMaxPixels) => DecodeAtLeast(encoded, 0, 0, maxPixels);

    /// <summary>
    /// Decodes, possibly at a reduced scale (JPEG: 1/2, 1/4, 1/8) as long as the result still covers
    /// <paramref name="minWidth"/> × <paramref name="minHeight"/>.
    /// </summary>
    public static SKBitmap DecodeAtLeast(byte[] encoded, int minWidth, int minHeight, long maxPixels = DefaultMaxPixels)
    {
        using var codec = OpenCodec(encoded);
        var info = codec.Info;
        if ((long)info.Width * info.Height > maxPixels)
            throw new InvalidImageException("too_many_pixels", $"{info.Width}×{info.Height} exceeds the {maxPixels}-pixel limit.");

        var size = new SKSizeI(info.Width, info.Height);
        if (minWidth > 0 && minHeight > 0)
        {
            float needed = Math.Max((float)minWidth / info.Width, (float)minHeight / info.Height);
            if (needed < 1f)
            {
                var scaled = codec.GetScaledDimensions(needed);
                if (scaled.Width >= minWidth && scaled.Height >= minHeight) size = scaled;
            }
        }

        var target = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var bitmap = new SKBitmap(target);
        var result = codec.GetPixels(target, bitmap.GetPixels());
        if (result == SKCodecResult.Success) return bitmap;
        bitmap.Dispose();
        throw result == SKCodecResult.IncompleteInput
            ? new InvalidImageException("truncated_image", "The image data ends early.")
            : new InvalidImageException("undecodable", $"Decoding failed: {result}.");
    }

    /// <summary>High-quality resize; the caller disposes the result.</summary>
    public static SKBitmap Resize(SKBitmap source, int width, int height)
    {
        // Cubic alone aliases below ~1/2, so halve first (a bilinear tap at each 2×2 centre is a box filter,
        // the mipmap construction) until within 2× of the target, then finish with Mitchell cubic.
        SKBitmap current = source;
        while (current.Width >= width * 2 && current.Height >= height * 2)
        {
            var half = ScaleInto(current, current.Width / 2, current.Height / 2, new SKSamplingOptions(SKFilterMode.Linear));
            if (!ReferenceEquals(current, source)) current.Dispose();
            current = half;
        }
        if (current.Width == width && current.Height == height)
            return ReferenceEquals(current, source) ? source.Copy() : current;
        var result = ScaleInto(current, width, height, Downscale);
        if (!ReferenceEquals(current, source)) current.Dispose();
        return result;
    }

    private static SKBitmap ScaleInto(SKBitmap source, int width, int height, SKSamplingOptions sampling)
    {
        var dst = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        if (source.ScalePixels(dst, sampling)) return dst;
        dst.Dispose();
        throw new InvalidImageException("undecodable", "Resize failed.");
    }

    /// <summary>
    /// Fits an image into a bucket with the minimal crop: scale so the image covers the bucket (aspect kept),
    /// then cut the excess equally from both sides of the longer dimension.
    /// </summary>
    public static SKBitmap FitToBucket(SKBitmap source, AspectBucket bucket)
    {
        double scale = Math.Max((double)bucket.Width / source.Width, (double)bucket.Height / source.Height);
        int w = Math.Max(bucket.Width, (int)Math.Round(source.Width * scale));
        int h = Math.Max(bucket.Height, (int)Math.Round(source.Height * scale));
        using var resized = w == source.Width && h == source.Height ? null : Resize(source, w, h);
        var from = resized ?? source;
        var dst = new SKBitmap(new SKImageInfo(bucket.Width, bucket.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        if (!from.ExtractSubset(dst, SKRectI.Create((w - bucket.Width) / 2, (h - bucket.Height) / 2, bucket.Width, bucket.Height)))
            throw new InvalidImageException("undecodable", "Crop failed.");
        // ExtractSubset shares pixels with 'from'; copy so disposing the resized bitmap is safe.
        var owned = dst.Copy();
        dst.Dispose();
        return owned;
    }

    public static byte[] EncodeJpeg(SKBitmap bitmap, int quality = 90) => Encode(bitmap, SKEncodedImageFormat.Jpeg, quality);

    public static byte[] EncodePng(SKBitmap bitmap) => Encode(bitmap, SKEncodedImageFormat.Png, 100);

    public static byte[] EncodeWebp(SKBitmap bitmap, int quality = 90) => Encode(bitmap, SKEncodedImageFormat.Webp, quality);

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality)
    {
        using var data = bitmap.Encode(format, quality)
            ?? throw new InvalidOperationException($"SkiaSharp could not encode {format}.");
        return data.ToArray();
    }

    private static SKCodec OpenCodec(byte[] encoded)
    {
        if (encoded.Length == 0) throw new InvalidImageException("undecodable", "Empty image data.");
        // The codec takes ownership of the stream (and its copy of the bytes).
        var codec = SKCodec.Create(new SKMemoryStream(encoded), out var result);
        if (codec is null)
            throw new InvalidImageException(result == SKCodecResult.IncompleteInput ? "truncated_image" : "undecodable",
                $"Not a readable image ({result}).");
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Png or SKEncodedImageFormat.Webp))
        {
            var format = codec.EncodedFormat;
            codec.Dispose();
            throw new InvalidImageException("unsupported_format", $"{format} images are not accepted (JPEG, PNG, WebP only).");
        }
        return codec;
    }

    private static string FormatName(SKEncodedImageFormat f) => f switch
    {
        SKEncodedImageFormat.Jpeg => "jpeg",
        SKEncodedImageFormat.Png => "png",
        SKEncodedImageFormat.Webp => "webp",
        _ => f.ToString().ToLowerInvariant(),
    };
}
