using System.Runtime.InteropServices;
using SkiaSharp;

namespace T2I.Core.Data;

/// <summary>
/// An <see cref="SKCodec"/> reading the caller's byte array in place (pinned while the codec lives) instead of
/// a copy: <c>SKMemoryStream(byte[])</c> copies the whole file, a fresh mmap per image under dataprep's fixed
/// mmap threshold. Accepts JPEG, PNG and WebP only; anything else is an <see cref="InvalidImageException"/>.
/// </summary>
internal sealed class PinnedCodec : IDisposable
{
    private GCHandle _pin;
    private readonly SKData _data;

    public SKCodec Codec { get; }

    public SKImageInfo Info => Codec.Info;

    private PinnedCodec(GCHandle pin, SKData data, SKCodec codec) => (_pin, _data, Codec) = (pin, data, codec);

    public static PinnedCodec Open(byte[] encoded)
    {
        if (encoded.Length == 0) throw new InvalidImageException("undecodable", "Empty image data.");
        var pin = GCHandle.Alloc(encoded, GCHandleType.Pinned);
        var data = SKData.Create(pin.AddrOfPinnedObject(), encoded.Length);
        // SKMemoryStream over SKData shares the bytes; the codec takes ownership of the stream.
        var codec = SKCodec.Create(new SKMemoryStream(data), out var result);
        if (codec is not null && codec.EncodedFormat is SKEncodedImageFormat.Jpeg or SKEncodedImageFormat.Png or SKEncodedImageFormat.Webp)
            return new PinnedCodec(pin, data, codec);

        var format = codec?.EncodedFormat;
        codec?.Dispose();
        data.Dispose();
        pin.Free();
        if (format is { } f) throw new InvalidImageException("unsupported_format", $"{f} images are not accepted (JPEG, PNG, WebP only).");
        // SkiaSharp 4 reports IncompleteInput for any input shorter than its format sniffing window, garbage included:
        // only the start of a real image that ends early is a truncated one.
        bool truncated = result == SKCodecResult.IncompleteInput && StartsLikeAnImage(encoded);
        throw new InvalidImageException(truncated ? "truncated_image" : "undecodable", $"Not a readable image ({result}).");
    }

    /// <summary>The signature of a JPEG, PNG or WebP (RIFF) file, or as much of it as the bytes hold.</summary>
    private static bool StartsLikeAnImage(byte[] b)
    {
        static bool Prefix(byte[] b, ReadOnlySpan<byte> signature) =>
            b.AsSpan(0, Math.Min(b.Length, signature.Length)).SequenceEqual(signature[..Math.Min(b.Length, signature.Length)]);
        return Prefix(b, [0xFF, 0xD8, 0xFF]) || Prefix(b, [0x89, (byte)'P', (byte)'N', (byte)'G']) || Prefix(b, "RIFF"u8);
    }

    public void Dispose()
    {
        // The codec holds a reference to the data: release both before the bytes may move again.
        Codec.Dispose();
        _data.Dispose();
        if (_pin.IsAllocated) _pin.Free();
    }
}
