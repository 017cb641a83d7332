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
        throw new InvalidImageException(result == SKCodecResult.IncompleteInput ? "truncated_image" : "undecodable",
            $"Not a readable image ({result}).");
    }

    public void Dispose()
    {
        // The codec holds a reference to the data: release both before the bytes may move again.
        Codec.Dispose();
        _data.Dispose();
        if (_pin.IsAllocated) _pin.Free();
    }
}
