using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace T2I.Core.Checkpoints;

/// <summary>
/// One tensor's header entry. <see cref="Begin"/>/<see cref="End"/> are byte offsets relative to the start of
/// the data region (which follows the 8-byte length prefix and the JSON header), as in the format.
/// </summary>
public sealed record SafeTensorsEntry(string Name, SafeTensorsDType DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
    public TorchSharp.torch.ScalarType ScalarType => DType.ToScalarType();
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>Parses, validates and writes the safetensors JSON header.</summary>
internal static class SafeTensorsHeader
{
    /// <summary>Headers beyond this are refused before allocating: real checkpoints need a few MB at most.</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;
    public const string MetadataKey = "__metadata__";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Checks the 8-byte length prefix against the file size and returns the header length.</summary>
    public static long ValidateLength(ulong declared, long fileLength, string source)
    {
        if (declared > MaxHeaderBytes)
            throw Bad(source, $"header length {declared} bytes exceeds the {MaxHeaderBytes / (1024 * 1024)} MB limit");
        if ((long)declared > fileLength - 8)
            throw Bad(source,
                $"header length {declared} bytes is larger than the file ({fileLength} bytes, {fileLength - 8} after the length prefix)");
        if (declared < 2)
            throw Bad(source, $"header length {declared} is too small to hold a JSON object");
        return (long)declared;
    }

    /// <summary>
    /// Parses the header bytes and validates every entry against the data region of <paramref name="dataLength"/>
    /// bytes. Entries come back ordered by their offset in the file.
    /// </summary>
    public static (List<SafeTensorsEntry> Entries, Dictionary<string, string> Metadata) Parse(
        ReadOnlySpan<byte> header, long dataLength, string source)
    {
        string text;
        try { text = StrictUtf8.GetString(header); }
        catch (DecoderFallbackException e) { throw Bad(source, $"header is not valid UTF-8 (byte {e.Index})"); }

        JsonDocument doc;
        try { doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8 }); }
        catch (JsonException e) { throw Bad(source, $"header is not valid JSON: {e.Message}"); }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Bad(source, $"header must be a JSON object, found {doc.RootElement.ValueKind}");
            var entries = new List<SafeTensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(prop.Name)) throw Bad(source, $"duplicate key '{prop.Name}' in header");
                if (prop.Name == MetadataKey) ParseMetadata(prop.Value, metadata, source);
                else entries.Add(ParseEntry(prop.Name, prop.Value, dataLength, source));
            }
            CheckContiguous(entries, dataLength, source);
            return (entries, metadata);
        }
    }

    private static void ParseMetadata(JsonElement value, Dictionary<string, string> metadata, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(source, $"'{MetadataKey}' must be an object of strings");
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw Bad(source, $"metadata value '{p.Name}' must be a string, found {p.Value.ValueKind}");
            if (!metadata.TryAdd(p.Name, p.Value.GetString()!))
                throw Bad(source, $"duplicate metadata key '{p.Name}'");
        }
    }

    private static SafeTensorsEntry ParseEntry(string name, JsonElement value, long dataLength, string source)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Bad(source, $"tensor '{name}': entry must be an object");
        if (!value.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw Bad(source, $"tensor '{name}': missing string field 'dtype'");
        if (!SafeTensorsDTypes.TryParse(dt.GetString()!, out var dtype))
            throw Bad(source, $"tensor '{name}': unknown dtype '{dt.GetString()}'");

        var shape = ReadIntegers(name, value, "shape", source);
        long elements = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw Bad(source, $"tensor '{name}': negative dimension {d} in shape");
            try { elements = checked(elements * d); }
            catch (OverflowException) { throw Bad(source, $"tensor '{name}': shape [{string.Join(", ", shape)}] overflows"); }
        }
        long bytes;
        try { bytes = checked(elements * dtype.ElementSize()); }
        catch (OverflowException) { throw Bad(source, $"tensor '{name}': shape [{string.Join(", ", shape)}] overflows"); }

        var offsets = ReadIntegers(name, value, "data_offsets", source);
        if (offsets.Length != 2) throw Bad(source, $"tensor '{name}': data_offsets must hold exactly 2 integers");
        long begin = offsets[0], end = offsets[1];
        if (begin < 0 || end < begin || end > dataLength)
            throw Bad(source, $"tensor '{name}': data_offsets [{begin}, {end}] out of range for a data region of {dataLength} bytes");
        if (end - begin != bytes)
            throw Bad(source,
                $"tensor '{name}': {dtype} shape [{string.Join(", ", shape)}] needs {bytes} bytes but data_offsets span {end - begin}");
        return new SafeTensorsEntry(name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(string name, JsonElement value, string field, string source)
    {
        if (!value.TryGetProperty(field, out var arr) || arr.ValueKind != JsonValueKind.Array)
            throw Bad(source, $"tensor '{name}': missing array field '{field}'");
        var result = new long[arr.GetArrayLength()];
        int i = 0;
        foreach (var item in arr.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out result[i]))
                throw Bad(source, $"tensor '{name}': '{field}' element {item.GetRawText()} is not an integer in range");
            i++;
        }
        return result;
    }

    /// <summary>The format requires the tensors to tile the data region exactly: no gaps, no overlap, no tail.</summary>
    private static void CheckContiguous(List<SafeTensorsEntry> entries, long dataLength, string source)
    {
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        string? previous = null;
        foreach (var e in entries)
        {
            if (e.Begin < expected)
                throw Bad(source, $"tensor '{e.Name}' [{e.Begin}, {e.End}] overlaps tensor '{previous}' ending at {expected}");
            if (e.Begin > expected)
                throw Bad(source,
                    $"gap of {e.Begin - expected} bytes before tensor '{e.Name}' at offset {expected}: tensors must cover the " +
                    $"data region contiguously");
            expected = e.End;
            previous = e.Name;
        }
        if (expected != dataLength)
            throw Bad(source,
                $"data region is {dataLength} bytes but the tensors cover only {expected}: {dataLength - expected} trailing bytes");
    }

    /// <summary>
    /// Serialises the header as compact JSON (metadata first, then tensors in the given order, fields in the
    /// order dtype/shape/data_offsets, as the reference implementation writes them), padded with spaces so the
    /// data region starts 8-byte aligned.
    /// </summary>
    public static byte[] Serialize(IReadOnlyList<SafeTensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            foreach (var e in entries)
            {
                w.WriteStartObject(e.Name);
                w.WriteString("dtype", e.DType.Name());
                w.WriteStartArray("shape");
                foreach (var d in e.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(e.Begin);
                w.WriteNumberValue(e.End);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    internal static InvalidDataException Bad(string source, string problem) =>
        new($"Invalid safetensors file '{source}': {problem}.");
}
