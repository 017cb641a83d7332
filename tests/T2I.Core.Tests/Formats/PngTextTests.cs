using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SkiaSharp;
using T2I.Core.Inference;

namespace T2I.Core.Tests.Formats;

public class PngTextTests
{
    private const string Parameters = "a red fox in snow\nNegative prompt: blurry\nSteps: 50, Sampler: DDIM, CFG scale: 4.5, Seed: 42, Size: 256x256, Model: t2i-tiny";

    private static byte[] SamplePng(out SKBitmap bitmap)
    {
        bitmap = new SKBitmap(new SKImageInfo(5, 4, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 5; x++)
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 50), (byte)(y * 60), 77));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static byte[] SamplePng()
    {
        var png = SamplePng(out var bitmap);
        bitmap.Dispose();
        return png;
    }

    private static byte[] Chunk(string type, byte[] data)
    {
        var chunk = new byte[12 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)data.Length);
        Encoding.ASCII.GetBytes(type).CopyTo(chunk, 4);
        data.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32.Compute(chunk.AsSpan(4, 4 + data.Length)));
        return chunk;
    }

    /// <summary>Inserts a hand-made chunk right after the 8-byte signature and the 25-byte IHDR chunk.</summary>
    private static byte[] InsertAfterIhdr(byte[] png, byte[] chunk) => [.. png[..33], .. chunk, .. png[33..]];

    [Fact]
    public void Crc32MatchesTheStandardCheckValues()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0xAE426082u, Crc32.Compute("IEND"u8)); // every PNG ends with this CRC
    }

    [Fact]
    public void ParametersRoundTripAndTheImageStillDecodes()
    {
        var png = SamplePng(out var original);
        using var _ = original;
        var written = PngText.Write(png, new Dictionary<string, string> { ["parameters"] = Parameters, ["Software"] = "T2I café" });

        var read = PngText.Read(written);
        Assert.Equal(Parameters, read["parameters"]);
        Assert.Equal("T2I café", read["Software"]);
        Assert.All(PngText.ReadAll(written), c => Assert.Equal("tEXt", c.Type));
        Assert.Empty(PngText.Read(png));

        // Right after IHDR: signature (8) + IHDR (4 + 4 + 13 + 4) → the next chunk type starts at 37.
        Assert.Equal("tEXt", Encoding.ASCII.GetString(written, 37, 4));
        Assert.Equal("parameters\0a red fox", Encoding.Latin1.GetString(written, 41, 20));

        using var decoded = SKBitmap.Decode(written);
        Assert.NotNull(decoded);
        Assert.Equal(original.Width, decoded.Width);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 5; x++)
                Assert.Equal(original.GetPixel(x, y), decoded.GetPixel(x, y));
    }

    [Fact]
    public void NonLatin1TextGoesIntoUtf8ITxt()
    {
        string prompt = "一只狐狸 🦊 in snow";
        var written = PngText.Write(SamplePng(), new Dictionary<string, string> { ["parameters"] = prompt });
        var chunk = Assert.Single(PngText.ReadAll(written));
        Assert.Equal(new PngTextChunk("iTXt", "parameters", prompt), chunk);
        Assert.NotNull(SKBitmap.Decode(written));
    }

    [Fact]
    public void WritingAKeywordAgainReplacesIt()
    {
        var once = PngText.Write(SamplePng(), new Dictionary<string, string> { ["parameters"] = "first", ["Title"] = "t" });
        var twice = PngText.Write(once, new Dictionary<string, string> { ["parameters"] = "second" });
        Assert.Equal(new[] { ("parameters", "second"), ("Title", "t") }, PngText.ReadAll(twice).Select(c => (c.Keyword, c.Text)));
    }

    [Fact]
    public void ReadsCompressedZTxtAndITxtChunks()
    {
        static byte[] Deflate(byte[] raw)
        {
            using var ms = new MemoryStream();
            using (var z = new ZLibStream(ms, CompressionLevel.Optimal)) z.Write(raw);
            return ms.ToArray();
        }
        byte[] ztxt = [.. "Comment\0\0"u8.ToArray(), .. Deflate(Encoding.Latin1.GetBytes("zipped naïve text"))];
        byte[] itxt = [.. "Description\0\u0001\0en\0Beschreibung\0"u8.ToArray(), .. Deflate(Encoding.UTF8.GetBytes("Füchse 狐"))];
        var png = InsertAfterIhdr(InsertAfterIhdr(SamplePng(), Chunk("zTXt", ztxt)), Chunk("iTXt", itxt));
        var read = PngText.Read(png);
        Assert.Equal("zipped naïve text", read["Comment"]);
        Assert.Equal("Füchse 狐", read["Description"]);
    }

    [Fact]
    public void CorruptCrcIsDetected()
    {
        var written = PngText.Write(SamplePng(), new Dictionary<string, string> { ["parameters"] = Parameters });
        written[50] ^= 0x20; // a letter inside the parameters text
        var e = Assert.Throws<InvalidDataException>(() => PngText.Read(written));
        Assert.Contains("CRC mismatch in chunk 'tEXt'", e.Message);
    }

    [Fact]
    public void NonPngInputIsRejected()
    {
        using var bitmap = new SKBitmap(4, 4);
        using var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        var notPng = Assert.Throws<InvalidDataException>(() => PngText.Read(jpeg.ToArray()));
        Assert.Contains("Not a PNG", notPng.Message);
        Assert.Throws<InvalidDataException>(() => PngText.Write("hello"u8.ToArray(), new Dictionary<string, string> { ["a"] = "b" }));

        var png = SamplePng();
        var truncated = Assert.Throws<InvalidDataException>(() => PngText.Read(png[..(png.Length - 6)]));
        Assert.Contains("Truncated", truncated.Message);

        byte[] noIhdr = [.. png[..8], .. Chunk("tEXt", "a\0b"u8.ToArray()), .. png[8..]];
        Assert.Contains("first chunk must be a 13-byte IHDR", Assert.Throws<InvalidDataException>(() => PngText.Read(noIhdr)).Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" lead")]
    [InlineData("trail ")]
    [InlineData("two  spaces")]
    [InlineData("tab\there")]
    [InlineData("狐")]
    public void InvalidKeywordsAreRefused(string keyword) =>
        Assert.Throws<ArgumentException>(() => PngText.Write(SamplePng(), new Dictionary<string, string> { [keyword] = "x" }));

    [Fact]
    public void KeywordLengthAndNulTextAreChecked()
    {
        var png = SamplePng();
        Assert.NotEmpty(PngText.Read(PngText.Write(png, new Dictionary<string, string> { [new string('k', 79)] = "ok" })));
        Assert.Throws<ArgumentException>(() => PngText.Write(png, new Dictionary<string, string> { [new string('k', 80)] = "x" }));
        Assert.Throws<ArgumentException>(() => PngText.Write(png, new Dictionary<string, string> { ["k"] = "a\0b" }));
    }
}
