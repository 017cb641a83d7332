using System.Text;
using T2I.Core.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Checkpoints;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2i-st-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);
    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>A tensor whose memory holds random bit patterns (NaN payloads, subnormals, ...).</summary>
    private static Tensor RandomBits(ScalarType type, long[] shape, int seed)
    {
        var t = empty(shape, type);
        var rng = new Random(seed);
        var span = t.bytes;
        rng.NextBytes(span);
        if (type == ScalarType.Bool)
            for (int i = 0; i < span.Length; i++) span[i] &= 1;
        return t;
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Int16)]
    [InlineData(ScalarType.Int8)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Bool)]
    public void RoundTripIsBitExactForEveryDType(ScalarType type)
    {
        using var scope = NewDisposeScope();
        var a = RandomBits(type, [3, 5, 7], seed: (int)type);
        var scalar = RandomBits(type, [], seed: 99);
        var emptyT = RandomBits(type, [0, 4], seed: 1);
        string path = PathOf("t.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = a, ["s"] = scalar, ["e"] = emptyT });

        var loaded = SafeTensors.Load(path);
        Assert.Equal(new[] { "a", "e", "s" }, loaded.Keys.Order());
        foreach (var (key, original) in new[] { ("a", a), ("s", scalar), ("e", emptyT) })
        {
            Assert.Equal(type, loaded[key].dtype);
            Assert.Equal(original.shape, loaded[key].shape);
            Assert.True(original.bytes.SequenceEqual(loaded[key].bytes), $"{type} {key} bytes differ");
        }
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(SafeTensorsDTypes.FromScalarType(type), file.GetEntry("a").DType);
        Assert.Equal(0, file.DataOffset % 8);
    }

    [Fact]
    public void Bf16AndF16KeepExactValues()
    {
        using var scope = NewDisposeScope();
        var values = new float[] { 1f, -2.5f, 0.15625f, 65504f, 3.0e-5f, float.PositiveInfinity };
        var bf = tensor(values).to(ScalarType.BFloat16);
        var hf = tensor(values).to(ScalarType.Float16);
        string path = PathOf("half.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["bf"] = bf, ["hf"] = hf });
        var loaded = SafeTensors.Load(path);
        Assert.Equal(bf.to(ScalarType.Float32).data<float>().ToArray(), loaded["bf"].to(ScalarType.Float32).data<float>().ToArray());
        Assert.Equal(hf.to(ScalarType.Float32).data<float>().ToArray(), loaded["hf"].to(ScalarType.Float32).data<float>().ToArray());
        // BF16 1.0 is 0x3F80 little-endian: the raw bytes are what the format says.
        Assert.Equal(new byte[] { 0x80, 0x3F }, loaded["bf"][0].bytes.ToArray());
    }

    // What Python's safetensors.torch.save_file({"weight": torch.tensor([[1., 2.], [3., 4.]])}) writes:
    // header length 64 (62 JSON bytes + 2 spaces of padding), compact JSON, then 4 little-endian float32s.
    private static byte[] PythonLayout2x2()
    {
        var bytes = new List<byte> { 64, 0, 0, 0, 0, 0, 0, 0 };
        bytes.AddRange(Encoding.ASCII.GetBytes("{\"weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}  "));
        bytes.AddRange(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x40, 0x40, 0x00, 0x00, 0x80, 0x40 });
        Assert.Equal(88, bytes.Count);
        return bytes.ToArray();
    }

    [Fact]
    public void ReadsAFileLaidOutAsPythonWritesIt()
    {
        string path = PathOf("py.safetensors");
        File.WriteAllBytes(path, PythonLayout2x2());
        using var scope = NewDisposeScope();
        var t = SafeTensors.Load(path)["weight"];
        Assert.Equal(new long[] { 2, 2 }, t.shape);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, t.data<float>().ToArray());
        Assert.Equal(3f, t[1, 0].item<float>());
    }

    [Fact]
    public void WritesTheSameBytesAsPython()
    {
        using var scope = NewDisposeScope();
        string path = PathOf("ours.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["weight"] = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]) });
        Assert.Equal(PythonLayout2x2(), File.ReadAllBytes(path));
    }

    [Fact]
    public void MetadataRoundTripsAndIsWrittenFirst()
    {
        using var scope = NewDisposeScope();
        var meta = new Dictionary<string, string> { ["format"] = "pt", ["prompt"] = "a \"cat\"\non a mat — ünïcødé 猫", ["step"] = "1200" };
        string path = PathOf("meta.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["x"] = ones(3) }, meta);
        Assert.Equal(meta, SafeTensors.ReadMetadata(path));
        string header = Encoding.UTF8.GetString(File.ReadAllBytes(path), 8, 40);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\"", header);
    }

    [Fact]
    public void LoadRenamesAndSkipsThroughTheMap()
    {
        using var scope = NewDisposeScope();
        string path = PathOf("map.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor>
        {
            ["model.encoder.w"] = full(2, 1f), ["model.decoder.w"] = full(2, 2f), ["optimizer.m"] = full(2, 3f),
        });
        var loaded = SafeTensors.Load(path, k => k.StartsWith("model.") ? k["model.".Length..] : null);
        Assert.Equal(new[] { "decoder.w", "encoder.w" }, loaded.Keys.Order());
        Assert.Equal(2f, loaded["decoder.w"][0].item<float>());

        var collision = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path, _ => "same"));
        Assert.Contains("'same'", collision.Message);
    }

    [Fact]
    public void FileReaderReadsSingleTensorsByKey()
    {
        using var scope = NewDisposeScope();
        string path = PathOf("r.safetensors");
        var big = arange(1000, ScalarType.Float32).reshape(10, 100);
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["small"] = tensor(new long[] { 7, 8 }), ["big"] = big });
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(new[] { "small", "big" }, file.Keys);
        Assert.Equal(new long[] { 10, 100 }, file.GetEntry("big").Shape);
        Assert.Equal(4000, file.GetEntry("big").ByteLength);
        Assert.True(file.Contains("small"));
        Assert.Equal(new long[] { 7, 8 }, file.Read("small").data<long>().ToArray());
        Assert.Equal(big.data<float>().ToArray(), file.Read("big").data<float>().ToArray());
        Assert.Throws<KeyNotFoundException>(() => file.Read("nope"));
    }

    [Fact]
    public void NonContiguousTensorsAreWrittenInLogicalOrder()
    {
        using var scope = NewDisposeScope();
        var m = arange(6, ScalarType.Int32).reshape(2, 3);
        var t = m.t();
        Assert.False(t.is_contiguous());
        string path = PathOf("nc.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["t"] = t });
        Assert.Equal(new[] { 0, 3, 1, 4, 2, 5 }, SafeTensors.Load(path)["t"].data<int>().ToArray());
    }

    [Fact]
    public void SaveReplacesAtomicallyAndLeavesNoTempFiles()
    {
        using var scope = NewDisposeScope();
        string path = PathOf("atomic.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["v"] = full(4, 1f) });
        byte[] before = File.ReadAllBytes(path);

        IEnumerable<KeyValuePair<string, Tensor>> Failing()
        {
            yield return new("v", full(4, 2f));
            throw new IOException("producer failed");
        }
        Assert.Throws<IOException>(() => SafeTensors.Save(path, Failing()));
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, [new("a", ones(1)), new("a", ones(1))]));
        Assert.Throws<NotSupportedException>(() => SafeTensors.Save(path, [new("c", ones(2, ScalarType.ComplexFloat32))]));
        Assert.Equal(before, File.ReadAllBytes(path));

        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["v"] = full(4, 5f) });
        Assert.Equal(5f, SafeTensors.Load(path)["v"][3].item<float>());
        Assert.Equal(new[] { "atomic.safetensors" }, Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void LargeTensorsAreStreamedInChunksWithoutChangingTheBytes()
    {
        using var scope = NewDisposeScope();
        string path = PathOf("chunks.safetensors");
        var values = RandomBits(ScalarType.Float64, [37, 3], seed: 11);
        var mask = RandomBits(ScalarType.Bool, [101], seed: 12);
        TensorBytes.ChunkBytesOverride = 40; // 5 doubles or 40 bools per chunk: many partial chunks
        try
        {
            Assert.Equal(23, TensorBytes.Chunks(values).Count());
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["v"] = values, ["m"] = mask });
            var loaded = SafeTensors.Load(path);
            Assert.True(values.bytes.SequenceEqual(loaded["v"].bytes));
            Assert.True(mask.bytes.SequenceEqual(loaded["m"].bytes));
        }
        finally
        {
            TensorBytes.ChunkBytesOverride = 0;
        }
        // Same bytes as an unchunked write.
        string plain = PathOf("plain.safetensors");
        SafeTensors.Save(plain, new Dictionary<string, Tensor> { ["v"] = values, ["m"] = mask });
        Assert.Equal(File.ReadAllBytes(plain), File.ReadAllBytes(path));
    }
}
