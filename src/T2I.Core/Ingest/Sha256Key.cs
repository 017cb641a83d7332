using System.Buffers.Binary;
using System.Security.Cryptography;

namespace T2I.Core.Ingest;

/// <summary>A sha256 as four machine words: 32 bytes inline, no string, no per-entry object.</summary>
public readonly record struct Sha256Key(ulong A, ulong B, ulong C, ulong D)
{
    public static Sha256Key Of(ReadOnlySpan<byte> data)
    {
        Span<byte> h = stackalloc byte[32];
        SHA256.HashData(data, h);
        return FromBytes(h);
    }

    public static Sha256Key FromBytes(ReadOnlySpan<byte> h) => new(
        BinaryPrimitives.ReadUInt64BigEndian(h), BinaryPrimitives.ReadUInt64BigEndian(h[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(h[16..]), BinaryPrimitives.ReadUInt64BigEndian(h[24..]));

    /// <summary>Parses 64 hex digits; false for anything else (a damaged hash-list line).</summary>
    public static bool TryParseHex(ReadOnlySpan<char> hex, out Sha256Key key)
    {
        key = default;
        Span<byte> h = stackalloc byte[32];
        if (hex.Length != 64 || Convert.FromHexString(hex, h, out _, out int written) != System.Buffers.OperationStatus.Done
            || written != 32)
            return false;
        key = FromBytes(h);
        return true;
    }

    public string ToHex()
    {
        Span<byte> h = stackalloc byte[32];
        BinaryPrimitives.WriteUInt64BigEndian(h, A);
        BinaryPrimitives.WriteUInt64BigEndian(h[8..], B);
        BinaryPrimitives.WriteUInt64BigEndian(h[16..], C);
        BinaryPrimitives.WriteUInt64BigEndian(h[24..], D);
        return Convert.ToHexStringLower(h);
    }

    // The words are already uniformly random: one of them is a perfect hash code.
    public override int GetHashCode() => (int)A;
    public bool Equals(Sha256Key o) => A == o.A && B == o.B && C == o.C && D == o.D;
}
