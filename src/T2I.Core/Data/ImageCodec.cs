using SkiaSharp;

namespace T2I.Core.Data;

/// <summary>The steps of <see cref="ImageCodec.FitAndEncode"/>, as reported to a profiler.</summary>
public enum ImageStage { Decode, Resize, Encode }

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

    /// <summary>Reads the header; throws <see cref="InvalidImageException"/> if it is not a JPEG/PNG/WebP image.</summary>
    public static ImageHeader ReadHeader(byte[] encoded)
    {
        using var codec = PinnedCodec.Open(encoded);
        return new ImageHeader(codec.Info.Width, codec.Info.Height, FormatName(codec.Codec.EncodedFormat));
    }

    /// <summary>Decodes the whole image at full size (after the pixel-budget check).</summary>
    public static SKBitmap Decode(byte[] encoded, long maxPixels = DefaultMaxPixels) => DecodeAtLeast(encoded, 0, 0, maxPixels);

    /// <summary>
    /// Decodes, possibly at a reduced scale (JPEG: n/8) as long as the result still covers
    /// <paramref name="minWidth"/> × <paramref name="minHeight"/>.
    /// </summary>
    public static SKBitmap DecodeAtLeast(byte[] encoded, int minWidth, int minHeight, long maxPixels = DefaultMaxPixels)
    {
        using var codec = PinnedCodec.Open(encoded);
        var bitmap = new SKBitmap(DecodeTarget(codec.Codec, minWidth, minHeight, maxPixels));
        try
        {
            using var pixels = bitmap.PeekPixels();
            DecodeInto(codec.Codec, pixels);
            return bitmap;
        }
        catch
        {
            bitmap.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The production path of one image: decode once at the smallest scale that covers every bucket after its
    /// cover-scale, fit into each bucket (<see cref="FitToBucket"/>) and encode. Pixel memory is reused from
    /// image to image, so an image costs little more than its encoded outputs. <paramref name="stageDone"/> (for the
    /// benchmark's per-stage profile) is told when each step ends.
    /// </summary>
    public static byte[][] FitAndEncode(byte[] encoded, IReadOnlyList<AspectBucket> buckets, SKEncodedImageFormat format, int quality,
        long maxPixels = DefaultMaxPixels, Action<ImageStage>? stageDone = null)
    {
        var scratch = PixelScratch.Rent();
        try
        {
            using var codec = PinnedCodec.Open(encoded);
            var (needW, needH) = DecodeSize(codec.Info.Width, codec.Info.Height, buckets);
            using var decoded = scratch.Pixmap(PixelScratch.Decoded, DecodeTarget(codec.Codec, needW, needH, maxPixels));
            DecodeInto(codec.Codec, decoded);
            stageDone?.Invoke(ImageStage.Decode);
            var outputs = new byte[buckets.Count][];
            for (int i = 0; i < outputs.Length; i++)
            {
                using var fitted = FitInto(decoded, buckets[i], scratch);
                stageDone?.Invoke(ImageStage.Resize);
                outputs[i] = Encode(fitted, format, format == SKEncodedImageFormat.Jpeg ? quality : 100);
                stageDone?.Invoke(ImageStage.Encode);
            }
            return outputs;
        }
        finally { scratch.Return(); }
    }

    /// <summary>The smallest size that still covers every bucket after its cover-scale (aspect kept): one decode serves all.</summary>
    public static (int Width, int Height) DecodeSize(int width, int height, IEnumerable<AspectBucket> buckets)
    {
        int needW = 0, needH = 0;
        foreach (var b in buckets)
        {
            double s = Math.Max((double)b.Width / width, (double)b.Height / height);
            needW = Math.Max(needW, (int)Math.Ceiling(width * s));
            needH = Math.Max(needH, (int)Math.Ceiling(height * s));
        }
        return (needW, needH);
    }

    /// <summary>High-quality resize (<see cref="Resampler"/>); the caller disposes the result.</summary>
    public static SKBitmap Resize(SKBitmap source, int width, int height) =>
        WithScratch(source, (pixels, scratch) => ResizeInto(pixels, width, height, 0, 0, width, height, scratch));

    /// <summary>
    /// Fits an image into a bucket with the minimal crop: scale so the image covers the bucket (aspect kept),
    /// then cut the excess equally from both sides of the longer dimension.
    /// </summary>
    public static SKBitmap FitToBucket(SKBitmap source, AspectBucket bucket) =>
        WithScratch(source, (pixels, scratch) => FitInto(pixels, bucket, scratch));

    private static SKImageInfo DecodeTarget(SKCodec codec, int minWidth, int minHeight, long maxPixels)
    {
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
        return Rgba(size.Width, size.Height);
    }

    private static void DecodeInto(SKCodec codec, SKPixmap target)
    {
        var result = codec.GetPixels(target.Info, target.GetPixels(), target.RowBytes, SKCodecOptions.Default);
        if (result == SKCodecResult.Success) return;
        throw result == SKCodecResult.IncompleteInput
            ? new InvalidImageException("truncated_image", "The image data ends early.")
            : new InvalidImageException("undecodable", $"Decoding failed: {result}.");
    }

    /// <summary>The bucket-sized result in scratch memory: the cover-scale's centre window, resampled directly.</summary>
    private static SKPixmap FitInto(SKPixmap source, AspectBucket bucket, PixelScratch scratch)
    {
        double scale = Math.Max((double)bucket.Width / source.Width, (double)bucket.Height / source.Height);
        int w = Math.Max(bucket.Width, (int)Math.Round(source.Width * scale));
        int h = Math.Max(bucket.Height, (int)Math.Round(source.Height * scale));
        return ResizeInto(source, w, h, (w - bucket.Width) / 2, (h - bucket.Height) / 2, bucket.Width, bucket.Height, scratch);
    }

    private static SKPixmap ResizeInto(SKPixmap source, int scaledWidth, int scaledHeight, int offsetX, int offsetY, int width,
        int height, PixelScratch scratch)
    {
        var output = scratch.Pixmap(PixelScratch.Fitted, Rgba(width, height));
        if (scaledWidth == source.Width && scaledHeight == source.Height)
        {
            // No scaling: copy the window (a cubic at scale 1 would still blur).
            using var window = new SKPixmap();
            if (source.ExtractSubset(window, SKRectI.Create(offsetX, offsetY, width, height)) && window.ReadPixels(output)) return output;
            output.Dispose();
            throw new InvalidImageException("undecodable", "Crop failed.");
        }
        Resampler.Resize(source, output, scaledWidth, scaledHeight, offsetX, offsetY, scratch);
        return output;
    }

    /// <summary>Runs a scratch-memory step on a caller's bitmap and copies the result out into a bitmap the caller owns.</summary>
    private static SKBitmap WithScratch(SKBitmap source, Func<SKPixmap, PixelScratch, SKPixmap> step)
    {
        var scratch = PixelScratch.Rent();
        try
        {
            using var pixels = source.PeekPixels() ?? throw new InvalidImageException("undecodable", "The bitmap has no pixels.");
            using var result = step(pixels, scratch);
            var owned = new SKBitmap(Rgba(result.Width, result.Height));
            using var target = owned.PeekPixels();
            if (result.ReadPixels(target)) return owned;
            owned.Dispose();
            throw new InvalidImageException("undecodable", "Copy failed.");
        }
        finally { scratch.Return(); }
    }

    private static SKImageInfo Rgba(int width, int height) => new(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);

    public static byte[] EncodeJpeg(SKBitmap bitmap, int quality = 90) => Encode(bitmap, SKEncodedImageFormat.Jpeg, quality);

    public static byte[] EncodePng(SKBitmap bitmap) => Encode(bitmap, SKEncodedImageFormat.Png, 100);

    public static byte[] EncodeWebp(SKBitmap bitmap, int quality = 90) => Encode(bitmap, SKEncodedImageFormat.Webp, quality);

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality)
    {
        using var pixels = bitmap.PeekPixels() ?? throw new InvalidOperationException("The bitmap has no pixels.");
        return Encode(pixels, format, quality);
    }

    public static byte[] Encode(SKPixmap pixels, SKEncodedImageFormat format, int quality)
    {
        using var data = pixels.Encode(format, quality)
            ?? throw new InvalidOperationException($"SkiaSharp could not encode {format}.");
        return data.ToArray();
    }

    private static string FormatName(SKEncodedImageFormat f) => f switch
    {
        SKEncodedImageFormat.Jpeg => "jpeg",
        SKEncodedImageFormat.Png => "png",
        SKEncodedImageFormat.Webp => "webp",
        _ => f.ToString().ToLowerInvariant(),
    };
}
