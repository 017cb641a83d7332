using System.Buffers.Binary;
using static TorchSharp.torch;

namespace T2I.Training.Dit;

/// <summary>
/// How a latent shard's <c>image</c> column stores a latent (latents.json's <c>dtype</c>): <c>float32</c>, or
/// <c>bfloat16</c> / <c>float16</c> at half the bytes, little-endian. Latents are rounded to the storage dtype before
/// their statistics are taken and they are written, so decoding (an exact widening to fp32) gives back exactly the
/// values the statistics describe.
/// </summary>
public static class LatentStorage
{
    public const string Float32 = "float32", BFloat16 = "bfloat16", Float16 = "float16";

    public static int BytesPerValue(string dtype) => dtype switch
    {
        Float32 => 4,
        BFloat16 or Float16 => 2,
        _ => throw new ArgumentException($"latent dtype '{dtype}' is not one of: {Float32}, {BFloat16}, {Float16}."),
    };

    /// <summary>The latents rounded to what <paramref name="dtype"/> holds, as fp32 (torch's round-to-nearest-even).</summary>
    public static Tensor Round(Tensor latents, string dtype) => dtype switch
    {
        Float32 => latents.to_type(ScalarType.Float32),
        BFloat16 => latents.to_type(ScalarType.BFloat16).to_type(ScalarType.Float32),
        Float16 => latents.to_type(ScalarType.Float16).to_type(ScalarType.Float32),
        _ => throw new ArgumentException($"latent dtype '{dtype}' is not one of: {Float32}, {BFloat16}, {Float16}."),
    };

    /// <summary>Bytes of already-<see cref="Round"/>ed values (so the narrowing here is exact, with no rounding of its own).</summary>
    public static byte[] Encode(ReadOnlySpan<float> values, string dtype)
    {
        var bytes = new byte[values.Length * BytesPerValue(dtype)];
        for (int i = 0; i < values.Length; i++)
        {
            var at = bytes.AsSpan(i * BytesPerValue(dtype));
            if (dtype == Float32) BinaryPrimitives.WriteSingleLittleEndian(at, values[i]);
            else if (dtype == BFloat16)
                BinaryPrimitives.WriteUInt16LittleEndian(at, (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
            else BinaryPrimitives.WriteHalfLittleEndian(at, (Half)values[i]);
        }
        return bytes;
    }

    /// <summary>Widens stored values to fp32 into <paramref name="into"/> (exact for every dtype).</summary>
    public static void Decode(ReadOnlySpan<byte> bytes, string dtype, Span<float> into)
    {
        int size = BytesPerValue(dtype);
        if (bytes.Length != into.Length * size)
            throw new InvalidDataException($"{bytes.Length} bytes are not {into.Length} {dtype} values.");
        for (int i = 0; i < into.Length; i++)
        {
            var at = bytes.Slice(i * size, size);
            into[i] = dtype switch
            {
                Float32 => BinaryPrimitives.ReadSingleLittleEndian(at),
                BFloat16 => BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(at) << 16),
                _ => (float)BinaryPrimitives.ReadHalfLittleEndian(at),
            };
        }
    }
}
