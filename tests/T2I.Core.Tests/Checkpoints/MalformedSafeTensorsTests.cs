using System.Buffers.Binary;
using System.Text;
using T2I.Core.Checkpoints;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Checkpoints;

/// <summary>Each test writes a broken file byte by byte and expects a clear <see cref="InvalidDataException"/>.</summary>
public sealed class MalformedSafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2i-bad-st-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(byte[] bytes)
    {
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Length prefix + header bytes + data, with the prefix optionally lying.</summary>
    private static byte[] Build(byte[] header, int dataBytes, ulong? declaredLength = null)
    {
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    private static byte[] Build(string header, int dataBytes) => Build(Encoding.UTF8.GetBytes(header), dataBytes);

    private void AssertRejected(byte[] file, string expectedFragment)
    {
        string path = Write(file);
        var e = Assert.Throws<InvalidDataException>(() => { using var f = SafeTensorsFile.Open(path); });
        Assert.Contains(expectedFragment, e.Message);
        Assert.Contains(path, e.Message);
        // The convenience loader goes through the same validation.
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
    }

    private const string Ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    [Fact]
    public void ValidBaselineOpens()
    {
        using var f = SafeTensorsFile.Open(Write(Build(Ok, 8)));
        Assert.Single(f.Entries);
    }

    [Fact]
    public void HeaderOrderMayDifferFromDataOrder()
    {
        var file = Build("{\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[4,8]},\"a\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8);
        file[^8] = 7;
        file[^4] = 9;
        using var f = SafeTensorsFile.Open(Write(file));
        Assert.Equal(new[] { "a", "b" }, f.Keys);
        Assert.Equal(9, f.Read("b").item<int>());
        Assert.Equal(7, f.Read("a").item<int>());
    }

    [Fact]
    public void FileShorterThanLengthPrefix() => AssertRejected([1, 0, 0], "shorter than the 8-byte");

    [Fact]
    public void HeaderLengthBeyondFile() =>
        AssertRejected(Build(Encoding.UTF8.GetBytes(Ok), 8, declaredLength: 5000), "larger than the file");

    [Fact]
    public void AbsurdHeaderLength() =>
        AssertRejected(Build(Encoding.UTF8.GetBytes(Ok), 8, declaredLength: 1UL << 62), "exceeds the 100 MB limit");

    [Fact]
    public void InvalidJson() => AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",", 8), "not valid JSON");

    [Fact]
    public void HeaderNotAnObject() => AssertRejected(Build("[1,2,3]", 0), "must be a JSON object");

    [Fact]
    public void NonUtf8Header()
    {
        var header = Encoding.UTF8.GetBytes("{\"a\xff\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
        header[4] = 0xFF; // a lone 0xFF byte is never valid UTF-8
        AssertRejected(Build(header, 8), "not valid UTF-8");
    }

    [Fact]
    public void UnknownDType() =>
        AssertRejected(Build("{\"a\":{\"dtype\":\"C64\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "unknown dtype 'C64'");

    [Fact]
    public void NegativeShape() =>
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8), "negative dimension -2");

    [Fact]
    public void OverflowingShape() =>
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8), "overflows");

    [Fact]
    public void NonIntegerShape() =>
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8), "not an integer");

    [Fact]
    public void ByteCountDiffersFromShape() =>
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,8]}}", 8), "needs 16 bytes but data_offsets span 8");

    [Fact]
    public void OffsetsBeyondData() =>
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8), "out of range");

    [Fact]
    public void OffsetsReversed() =>
        AssertRejected(Build("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8), "out of range");

    [Fact]
    public void OverlappingTensors() => AssertRejected(Build(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
        "overlaps tensor 'a'");

    [Fact]
    public void GapBetweenTensors() => AssertRejected(Build(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12),
        "gap of 4 bytes");

    [Fact]
    public void TrailingBytesNotCovered() => AssertRejected(Build(Ok, 12), "4 trailing bytes");

    [Fact]
    public void DuplicateKeys() => AssertRejected(Build(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
        "duplicate key 'a'");

    [Fact]
    public void MetadataMustHoldStrings() => AssertRejected(Build(
        "{\"__metadata__\":{\"step\":5},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
        "metadata value 'step' must be a string");

    [Fact]
    public void MissingField() =>
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8), "missing array field 'shape'");

    [Fact]
    public void BoolBytesOtherThanZeroOrOneAreRefusedOnRead()
    {
        var file = Build("{\"m\":{\"dtype\":\"BOOL\",\"shape\":[8],\"data_offsets\":[0,8]}}", 8);
        file[^3] = 2;
        using var f = SafeTensorsFile.Open(Write(file));
        var e = Assert.Throws<InvalidDataException>(() => f.Read("m"));
        Assert.Contains("byte value 2", e.Message);
    }

    [Fact]
    public void FileTruncatedAfterOpenIsReportedOnRead()
    {
        string path = Write(Build(Ok, 8));
        using var f = SafeTensorsFile.Open(path);
        using (var s = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) s.SetLength(s.Length - 4);
        var e = Assert.Throws<InvalidDataException>(() => f.Read("a"));
        Assert.Contains("truncated", e.Message);
    }
}
