using System.Buffers.Binary;
using System.Text;

namespace T2I.Core.Pretrained.Onnx;

/// <summary>
/// Protocol Buffers wire format, read forward-only: just enough to walk an ONNX file's messages. We read a handful of
/// fields and skip the rest, so generated classes for all of onnx.proto would be far more code than this.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> data;
    private int position;

    public ProtoReader(ReadOnlySpan<byte> data)
    {
        this.data = data;
        position = 0;
    }

    public readonly bool End => position >= data.Length;

    /// <summary>Next field's number and wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).</summary>
    public (int Field, int WireType) ReadTag()
    {
        ulong tag = ReadVarint();
        return ((int)(tag >> 3), (int)(tag & 7));
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length) throw new InvalidDataException("ONNX: truncated varint.");
            byte b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("ONNX: varint longer than 10 bytes.");
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(data.Length - position)) throw new InvalidDataException("ONNX: field runs past its message.");
        var slice = data.Slice(position, (int)length);
        position += (int)length;
        return slice;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes());

    public float ReadFixed32Float()
    {
        float value = BinaryPrimitives.ReadSingleLittleEndian(data.Slice(position, 4));
        position += 4;
        return value;
    }

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(); break;
            case 1: position += 8; break;
            case 2: ReadBytes(); break;
            case 5: position += 4; break;
            default: throw new InvalidDataException($"ONNX: unsupported protobuf wire type {wireType}.");
        }
    }

    /// <summary>A repeated int64 field, packed (wire type 2) or one value (wire type 0).</summary>
    public void ReadInt64s(int wireType, List<long> into)
    {
        if (wireType == 0)
        {
            into.Add((long)ReadVarint());
            return;
        }
        var packed = new ProtoReader(ReadBytes());
        while (!packed.End) into.Add((long)packed.ReadVarint());
    }

    /// <summary>A repeated float field, packed (wire type 2) or one value (wire type 5).</summary>
    public void ReadFloats(int wireType, List<float> into)
    {
        if (wireType == 5)
        {
            into.Add(ReadFixed32Float());
            return;
        }
        var bytes = ReadBytes();
        for (int i = 0; i + 4 <= bytes.Length; i += 4) into.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i, 4)));
    }
}
