using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace T2I.Core.Inference;

/// <summary>One textual chunk of a PNG: its chunk type (tEXt, zTXt or iTXt), keyword and decoded text.</summary>
public sealed record PngTextChunk(string Type, string Keyword, string Text);

/// <summary>
/// Reads and writes PNG text chunks — where generation parameters go (keyword <c>parameters</c>, the
/// convention other image tools read). Every chunk's CRC is checked; input that is not a well-formed PNG
/// gets an <see cref="InvalidDataException"/> saying why.
/// </summary>
public static class PngText
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly Encoding Latin1 = Encoding.Latin1;
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
    /// <summary>Compressed text beyond this is refused: a few KB of deflate can expand to gigabytes.</summary>
    private const int MaxInflatedBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Returns a copy of <paramref name="png"/> with one text chunk per entry inserted right after IHDR.
    /// Text that Latin-1 can hold goes into <c>tEXt</c>; other text (e.g. CJK or emoji prompts) into an
    /// uncompressed UTF-8 <c>iTXt</c>, so it is never mangled. Existing text chunks with the same keywords are
    /// replaced. Keywords: 1–79 printable Latin-1 characters, no leading, trailing or double spaces.
    /// </summary>
    public static byte[] Write(byte[] png, IReadOnlyDictionary<string, string> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var parsed = Chunks(png);
        foreach (var (keyword, text) in chunks) Validate(keyword, text);

        using var output = new MemoryStream(png.Length + chunks.Sum(c => c.Key.Length + c.Value.Length * 3 + 32));
        output.Write(Signature);
        var ihdr = parsed[0];
        output.Write(png, ihdr.Start, ihdr.End - ihdr.Start);
        foreach (var (keyword, text) in chunks) WriteTextChunk(output, keyword, text);
        foreach (var chunk in parsed.Skip(1))
        {
            if (IsText(chunk.Type) && chunks.ContainsKey(KeywordOf(png, chunk))) continue;
            output.Write(png, chunk.Start, chunk.End - chunk.Start);
        }
        return output.ToArray();
    }

    /// <summary>All text chunks' keyword → text; when a keyword repeats, the first chunk wins.</summary>
    public static IReadOnlyDictionary<string, string> Read(byte[] png)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in ReadAll(png)) result.TryAdd(c.Keyword, c.Text);
        return result;
    }

    /// <summary>Every tEXt, zTXt and iTXt chunk in file order.</summary>
    public static IReadOnlyList<PngTextChunk> ReadAll(byte[] png)
    {
        var result = new List<PngTextChunk>();
        foreach (var chunk in Chunks(png))
            if (IsText(chunk.Type)) result.Add(Decode(png, chunk));
        return result;
    }

    private readonly record struct Chunk(string Type, int Start, int DataStart, int Length)
    {
        public int End => DataStart + Length + 4;
    }

    private static bool IsText(string type) => type is "tEXt" or "zTXt" or "iTXt";

    /// <summary>Walks the chunk list from the signature to IEND, checking lengths and CRCs.</summary>
    private static List<Chunk> Chunks(byte[] png)
    {
        ArgumentNullException.ThrowIfNull(png);
        if (png.Length < 8 || !png.AsSpan(0, 8).SequenceEqual(Signature))
            throw new InvalidDataException("Not a PNG: the 8-byte PNG signature is missing.");
        var chunks = new List<Chunk>();
        int pos = 8;
        while (true)
        {
            if (pos + 12 > png.Length)
                throw new InvalidDataException($"Truncated PNG: chunk header expected at offset {pos} but the data ends at {png.Length}.");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            if (length > int.MaxValue || pos + 12L + length > png.Length)
                throw new InvalidDataException($"Truncated PNG: chunk '{type}' at offset {pos} declares {length} bytes beyond the " +
                    $"end of the data.");
            var chunk = new Chunk(type, pos, pos + 8, (int)length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(chunk.DataStart + chunk.Length));
            uint actual = Crc32.Compute(png.AsSpan(pos + 4, 4 + chunk.Length));
            if (stored != actual)
                throw new InvalidDataException($"Corrupt PNG: CRC mismatch in chunk '{type}' at offset {pos} (stored {stored:X8}, " +
                    $"computed {actual:X8}).");
            if (chunks.Count == 0 && (type != "IHDR" || length != 13))
                throw new InvalidDataException($"Invalid PNG: the first chunk must be a 13-byte IHDR, found '{type}' of {length} bytes.");
            chunks.Add(chunk);
            pos = chunk.End;
            if (type == "IEND") return chunks;
        }
    }

    private static string KeywordOf(byte[] png, Chunk chunk)
    {
        var data = png.AsSpan(chunk.DataStart, chunk.Length);
        int nul = data.IndexOf((byte)0);
        if (nul < 1 || nul > 79)
            throw new InvalidDataException($"Invalid PNG {chunk.Type} chunk at offset {chunk.Start}: keyword must be 1-79 bytes " +
                $"followed by a NUL.");
        return Latin1.GetString(data[..nul]);
    }

    private static PngTextChunk Decode(byte[] png, Chunk chunk)
    {
        string keyword = KeywordOf(png, chunk);
        var rest = png.AsSpan(chunk.DataStart + keyword.Length + 1, chunk.Length - keyword.Length - 1);
        string where = $"PNG {chunk.Type} chunk '{keyword}' at offset {chunk.Start}";
        switch (chunk.Type)
        {
            case "tEXt":
                return new(chunk.Type, keyword, Latin1.GetString(rest));
            case "zTXt":
                if (rest.Length < 1 || rest[0] != 0) throw new InvalidDataException($"{where}: unknown compression method.");
                return new(chunk.Type, keyword, Latin1.GetString(Inflate(rest[1..], where)));
            default: // iTXt: flag, method, language\0, translated keyword\0, UTF-8 text
                if (rest.Length < 2) throw new InvalidDataException($"{where}: too short.");
                bool compressed = rest[0] == 1;
                if (rest[0] > 1 || (compressed
                    && rest[1] != 0)) throw new InvalidDataException($"{where}: unknown compression flag or method.");
                var tail = rest[2..];
                for (int field = 0; field < 2; field++)
                {
                    int nul = tail.IndexOf((byte)0);
                    if (nul < 0) throw new InvalidDataException($"{where}: language tag or translated keyword is not NUL-terminated.");
                    tail = tail[(nul + 1)..];
                }
                byte[] utf8 = compressed ? Inflate(tail, where) : tail.ToArray();
                try { return new(chunk.Type, keyword, StrictUtf8.GetString(utf8)); }
                catch (DecoderFallbackException) { throw new InvalidDataException($"{where}: text is not valid UTF-8."); }
        }
    }

    private static byte[] Inflate(ReadOnlySpan<byte> zlib, string where)
    {
        try
        {
            using var input = new MemoryStream(zlib.ToArray());
            using var inflater = new ZLibStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = inflater.Read(buffer)) > 0)
            {
                if (output.Length + n > MaxInflatedBytes)
                    throw new InvalidDataException($"{where}: text inflates beyond {MaxInflatedBytes} bytes.");
                output.Write(buffer, 0, n);
            }
            return output.ToArray();
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(where, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{where}: compressed text is corrupt ({e.Message}).");
        }
    }

    private static void Validate(string keyword, string text)
    {
        ArgumentNullException.ThrowIfNull(text, keyword);
        if (keyword is null || keyword.Length is < 1 or > 79)
            throw new ArgumentException($"PNG text keyword '{keyword}' must be 1-79 characters.");
        foreach (char c in keyword)
            if (c is < ' ' or > 'ÿ' || c is > '~' and < '¡')
                throw new ArgumentException($"PNG text keyword '{keyword}' may only hold printable Latin-1 characters (found " +
                    $"U+{(int)c:X4}).");
        if (keyword[0] == ' ' || keyword[^1] == ' ' || keyword.Contains("  ", StringComparison.Ordinal))
            throw new ArgumentException($"PNG text keyword '{keyword}' may not have leading, trailing or consecutive spaces.");
        if (text.Contains('\0'))
            throw new ArgumentException($"PNG text for '{keyword}' may not contain NUL characters.");
    }

    private static void WriteTextChunk(Stream output, string keyword, string text)
    {
        bool latin1 = text.All(c => c <= 'ÿ');
        using var data = new MemoryStream();
        data.Write(Latin1.GetBytes(keyword));
        data.WriteByte(0);
        if (latin1)
            data.Write(Latin1.GetBytes(text));
        else
        {
            data.Write([0, 0, 0, 0]); // uncompressed, method 0, empty language tag, empty translated keyword
            data.Write(StrictUtf8.GetBytes(text));
        }
        WriteChunk(output, latin1 ? "tEXt" : "iTXt", data.GetBuffer().AsSpan(0, (int)data.Length));
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        output.Write(word);
        var typeAndData = new byte[4 + data.Length];
        Encoding.ASCII.GetBytes(type, typeAndData);
        data.CopyTo(typeAndData.AsSpan(4));
        output.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Compute(typeAndData));
        output.Write(word);
    }
}

/// <summary>CRC-32 (ISO-HDLC, polynomial 0xEDB88320 reflected) as PNG and zlib use it.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
