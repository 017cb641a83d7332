using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Checkpoints;

/// <summary>
/// A validated, open safetensors file. <see cref="Open"/> reads and checks only the header; <see cref="Read"/>
/// reads one tensor's bytes straight from disk into the new tensor's memory, so a large checkpoint is never
/// held in memory twice and unused tensors are never read.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, SafeTensorsEntry> _byName;

    /// <summary>The tensors in file order.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    /// <summary>The optional <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public string Path { get; }

    /// <summary>Absolute file offset of the data region (8 + header length).</summary>
    public long DataOffset { get; }

    public IEnumerable<string> Keys => Entries.Select(e => e.Name);

    private SafeTensorsFile(string path, SafeFileHandle handle, List<SafeTensorsEntry> entries,
        Dictionary<string, string> metadata, long dataOffset)
    {
        Path = path;
        _handle = handle;
        Entries = entries;
        Metadata = metadata;
        DataOffset = dataOffset;
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>Opens <paramref name="path"/> and validates its header; throws <see cref="InvalidDataException"/>
    /// naming the problem.</summary>
    public static SafeTensorsFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors I/O assumes a little-endian host.");
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            long fileLength = RandomAccess.GetLength(handle);
            if (fileLength < 8)
                throw SafeTensorsHeader.Bad(path, $"file is {fileLength} bytes, shorter than the 8-byte header length prefix");
            Span<byte> prefix = stackalloc byte[8];
            ReadExactly(handle, prefix, 0, path);
            long headerLength = SafeTensorsHeader.ValidateLength(BinaryPrimitives.ReadUInt64LittleEndian(prefix), fileLength, path);
            var header = new byte[headerLength];
            ReadExactly(handle, header, 8, path);
            long dataOffset = 8 + headerLength;
            var (entries, metadata) = SafeTensorsHeader.Parse(header, fileLength - dataOffset, path);
            return new SafeTensorsFile(path, handle, entries, metadata, dataOffset);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public bool Contains(string key) => _byName.ContainsKey(key);

    public SafeTensorsEntry GetEntry(string key) =>
        _byName.TryGetValue(key, out var e) ? e : throw new KeyNotFoundException($"No tensor '{key}' in '{Path}'.");

    /// <summary>Reads one tensor into a new contiguous CPU tensor of the stored dtype and shape.</summary>
    public Tensor Read(string key) => Read(GetEntry(key));

    public Tensor Read(SafeTensorsEntry entry)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        var result = torch.empty(entry.Shape, entry.ScalarType, CPU);
        try
        {
            long fileOffset = DataOffset + entry.Begin;
            foreach (var chunk in TensorBytes.Chunks(result))
                using (chunk)
                {
                    var span = chunk.bytes;
                    ReadExactly(_handle, span, fileOffset, Path);
                    if (entry.DType == SafeTensorsDType.BOOL) CheckBooleans(span, entry);
                    fileOffset += span.Length;
                }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Any byte other than 0/1 in a bool tensor is undefined behaviour in torch; refuse it.</summary>
    private void CheckBooleans(ReadOnlySpan<byte> bytes, SafeTensorsEntry entry)
    {
        int bad = bytes.IndexOfAnyExcept((byte)0, (byte)1);
        if (bad >= 0) throw SafeTensorsHeader.Bad(Path, $"tensor '{entry.Name}': BOOL element holds byte value {bytes[bad]}");
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        while (!buffer.IsEmpty)
        {
            int n = RandomAccess.Read(handle, buffer, offset);
            if (n == 0) throw SafeTensorsHeader.Bad(path, $"file ends at offset {offset}, before the data it declares (truncated?)");
            buffer = buffer[n..];
            offset += n;
        }
    }

    public void Dispose() => _handle.Dispose();
}

/// <summary>Exposes a contiguous CPU tensor's memory as spans of at most 1 GiB (a span's length is an int).</summary>
internal static class TensorBytes
{
    private const long MaxChunkBytes = 1L << 30;

    /// <summary>Lets a test exercise the multi-chunk path with small tensors (per thread, 0 = default).</summary>
    [ThreadStatic] internal static long ChunkBytesOverride;

    /// <summary>Views over consecutive pieces of <paramref name="contiguousCpu"/>; the caller disposes each.</summary>
    public static IEnumerable<Tensor> Chunks(Tensor contiguousCpu)
    {
        long count = contiguousCpu.numel();
        if (count == 0) yield break;
        long chunkBytes = ChunkBytesOverride > 0 ? ChunkBytesOverride : MaxChunkBytes;
        long perChunk = Math.Max(1, chunkBytes / contiguousCpu.ElementSize);
        using var flat = contiguousCpu.reshape(-1);
        for (long start = 0; start < count; start += perChunk)
            yield return flat.narrow(0, start, Math.Min(perChunk, count - start));
    }
}
