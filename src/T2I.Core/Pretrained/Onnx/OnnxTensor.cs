using System.Runtime.InteropServices;

namespace T2I.Core.Pretrained.Onnx;

/// <summary>An ONNX initializer or constant: float32 and int64 data only (what ResNet and BERT exports hold).</summary>
public sealed record OnnxTensor(string Name, long[] Dims, float[]? Floats, long[]? Int64s)
{
    public const int Float32 = 1, Int32 = 6, Int64 = 7;

    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);

    public float[] RequireFloats() =>
        Floats ?? throw new InvalidDataException($"ONNX tensor '{Name}' is not float32.");

    internal static OnnxTensor Read(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        var dims = new List<long>();
        var floats = new List<float>();
        var int64s = new List<long>();
        string name = "";
        int dataType = 0;
        byte[]? raw = null;
        while (!reader.End)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: reader.ReadInt64s(wire, dims); break;
                case 2: dataType = (int)reader.ReadVarint(); break;
                case 4: reader.ReadFloats(wire, floats); break;
                case 5 or 7: reader.ReadInt64s(wire, int64s); break;
                case 8: name = reader.ReadString(); break;
                case 9: raw = reader.ReadBytes().ToArray(); break;
                case 14 when wire == 0:
                    if (reader.ReadVarint() == 1)
                        throw new InvalidDataException($"ONNX tensor '{name}' uses external data, which is not supported.");
                    break;
                default: reader.Skip(wire); break;
            }
        }
        // raw_data is little-endian, as is every machine we run on.
        long[] shape = dims.ToArray();
        return dataType switch
        {
            Float32 => new OnnxTensor(name, shape, raw is null ? floats.ToArray() : MemoryMarshal.Cast<byte, float>(raw).ToArray(), null),
            Int64 => new OnnxTensor(name, shape, null, raw is null ? int64s.ToArray() : MemoryMarshal.Cast<byte, long>(raw).ToArray()),
            Int32 => new OnnxTensor(name, shape, null,
                raw is null ? int64s.ToArray() : MemoryMarshal.Cast<byte, int>(raw).ToArray().Select(v => (long)v).ToArray()),
            _ => new OnnxTensor(name, shape, null, null),
        };
    }
}
