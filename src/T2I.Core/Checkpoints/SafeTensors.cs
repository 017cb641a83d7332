using System.Buffers.Binary;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length, a UTF-8 JSON header
/// <c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}</c> padded with spaces
/// to 8-byte alignment, then the raw little-endian tensor bytes. Files are interchangeable with the Python
/// <c>safetensors</c> library.
/// </summary>
public static class SafeTensors
{
    /// <summary>
    /// Writes <paramref name="tensors"/> (any device, any layout) to <paramref name="path"/> atomically: the bytes
    /// go tensor by tensor into a temp file next to it, which then replaces the target. Only one tensor at a
    /// time is copied to contiguous CPU memory, so the file is never built in memory.
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors I/O assumes a little-endian host.");
        var (entries, sources) = Plan(tensors);
        byte[] header = SafeTensorsHeader.Serialize(entries, metadata);

        string full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        string temp = full + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> prefix = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                stream.Write(prefix);
                stream.Write(header);
                for (int i = 0; i < entries.Count; i++) WriteTensor(stream, sources[i]);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { /* the original error matters more */ }
            throw;
        }
    }

    /// <summary>
    /// Loads every tensor of <paramref name="path"/> into CPU tensors. <paramref name="map"/> renames keys on
    /// the way in (return the new key, or null to skip the tensor without reading it).
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path, Func<string, string?>? map = null)
    {
        using var file = SafeTensorsFile.Open(path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in file.Entries)
            {
                string? key = map is null ? entry.Name : map(entry.Name);
                if (key is null) continue;
                if (result.ContainsKey(key))
                    throw new InvalidDataException($"Key map sends two tensors of '{path}' to '{key}' (the second is '{entry.Name}').");
                result[key] = file.Read(entry);
            }
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>Reads only the <c>__metadata__</c> map.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        return file.Metadata;
    }

    private static (List<SafeTensorsEntry>, List<Tensor>) Plan(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var entries = new List<SafeTensorsEntry>();
        var sources = new List<Tensor>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("Tensor names must be non-empty.");
            if (name == SafeTensorsHeader.MetadataKey) throw new ArgumentException($"'{name}' is reserved for metadata.");
            if (!names.Add(name)) throw new ArgumentException($"Duplicate tensor name '{name}'.");
            ArgumentNullException.ThrowIfNull(tensor, name);
            var dtype = SafeTensorsDTypes.FromScalarType(tensor.dtype);
            long bytes = checked(tensor.numel() * dtype.ElementSize());
            entries.Add(new SafeTensorsEntry(name, dtype, tensor.shape, offset, offset + bytes));
            sources.Add(tensor);
            offset += bytes;
        }
        return (entries, sources);
    }

    private static void WriteTensor(Stream stream, Tensor tensor)
    {
        using var noGrad = no_grad();
        var cpu = tensor.device_type == DeviceType.CPU ? tensor : tensor.cpu();
        var contiguous = cpu.is_contiguous() ? cpu : cpu.contiguous();
        try
        {
            foreach (var chunk in TensorBytes.Chunks(contiguous))
                using (chunk)
                    stream.Write(chunk.bytes);
        }
        finally
        {
            // Dispose only the temporaries made here, never the caller's tensor.
            if (!ReferenceEquals(contiguous, tensor)) contiguous.Dispose();
            if (!ReferenceEquals(cpu, tensor) && !ReferenceEquals(cpu, contiguous)) cpu.Dispose();
        }
    }
}
