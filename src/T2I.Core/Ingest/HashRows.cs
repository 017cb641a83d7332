using System.Buffers.Binary;
using T2I.Core.Storage;

namespace T2I.Core.Ingest;

/// <summary>One screened sample: the sha256 of its image bytes and its ordinal in the shard's tar.</summary>
public readonly record struct HashRow(Sha256Key Hash, int Row);

/// <summary>
/// The binary files of the dedup phases, fixed-width so they stay small (36 bytes per screened image instead of
/// 65 of hex text) and read without parsing: screen parts hold <see cref="HashRow"/>s (32 bytes of hash, row as
/// int32 little-endian), drop lists hold rows (int32). A length that is not a whole number of entries is damage.
/// </summary>
public static class HashRows
{
    private const int EntryBytes = 36;

    public static byte[] Encode(IReadOnlyList<HashRow> rows)
    {
        var bytes = new byte[rows.Count * EntryBytes];
        for (int i = 0; i < rows.Count; i++)
        {
            var span = bytes.AsSpan(i * EntryBytes, EntryBytes);
            var (h, row) = (rows[i].Hash, rows[i].Row);
            BinaryPrimitives.WriteUInt64BigEndian(span, h.A);
            BinaryPrimitives.WriteUInt64BigEndian(span[8..], h.B);
            BinaryPrimitives.WriteUInt64BigEndian(span[16..], h.C);
            BinaryPrimitives.WriteUInt64BigEndian(span[24..], h.D);
            BinaryPrimitives.WriteInt32LittleEndian(span[32..], row);
        }
        return bytes;
    }

    public static byte[] EncodeRows(IReadOnlyList<int> rows)
    {
        var bytes = new byte[rows.Count * 4];
        for (int i = 0; i < rows.Count; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), rows[i]);
        return bytes;
    }

    public static async Task<List<HashRow>> ReadAsync(IBlobStore store, string key, CancellationToken ct)
    {
        var bytes = await ReadAllAsync(store, key, EntryBytes, ct);
        var rows = new List<HashRow>(bytes.Length / EntryBytes);
        for (int i = 0; i < bytes.Length; i += EntryBytes)
            rows.Add(new HashRow(Sha256Key.FromBytes(bytes.AsSpan(i, 32)), BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i + 32))));
        return rows;
    }

    public static async Task<List<int>> ReadRowsAsync(IBlobStore store, string key, CancellationToken ct)
    {
        var bytes = await ReadAllAsync(store, key, 4, ct);
        var rows = new List<int>(bytes.Length / 4);
        for (int i = 0; i < bytes.Length; i += 4) rows.Add(BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i)));
        return rows;
    }

    private static async Task<byte[]> ReadAllAsync(IBlobStore store, string key, int entry, CancellationToken ct)
    {
        await using var s = await store.OpenReadAsync(key, ct);
        using var copy = new MemoryStream();
        await s.CopyToAsync(copy, ct);
        if (copy.Length % entry != 0)
            throw new InvalidDataException($"{store.Location}/{key} is damaged ({copy.Length} bytes, not whole {entry}-byte entries).");
        return copy.ToArray();
    }
}
