namespace T2I.Core.Pretrained.Onnx;

/// <summary>One attribute of a node: the scalar, list or tensor value it carries (others are left null).</summary>
public sealed record OnnxAttribute(string Name, float? F, long? I, string? S, long[] Ints, float[] Floats, OnnxTensor? T);

/// <summary>One operator of an ONNX graph.</summary>
public sealed record OnnxNode(string Name, string OpType, string[] Inputs, string[] Outputs,
    IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    public long[] Ints(string name) => Attributes.TryGetValue(name, out var a) ? a.Ints : Array.Empty<long>();

    public long Int(string name, long fallback) => Attributes.TryGetValue(name, out var a) && a.I is { } i ? i : fallback;

    public float Float(string name, float fallback) => Attributes.TryGetValue(name, out var a) && a.F is { } f ? f : fallback;

    internal static OnnxNode Read(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
        string name = "", opType = "";
        while (!reader.End)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: inputs.Add(reader.ReadString()); break;
                case 2: outputs.Add(reader.ReadString()); break;
                case 3: name = reader.ReadString(); break;
                case 4: opType = reader.ReadString(); break;
                case 5:
                    var attribute = ReadAttribute(reader.ReadBytes());
                    attributes[attribute.Name] = attribute;
                    break;
                default: reader.Skip(wire); break;
            }
        }
        return new OnnxNode(name, opType, inputs.ToArray(), outputs.ToArray(), attributes);
    }

    private static OnnxAttribute ReadAttribute(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        string name = "";
        float? f = null;
        long? i = null;
        string? s = null;
        OnnxTensor? t = null;
        var ints = new List<long>();
        var floats = new List<float>();
        while (!reader.End)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: name = reader.ReadString(); break;
                case 2: f = reader.ReadFixed32Float(); break;
                case 3: i = (long)reader.ReadVarint(); break;
                case 4: s = reader.ReadString(); break;
                case 5: t = OnnxTensor.Read(reader.ReadBytes()); break;
                case 7: reader.ReadFloats(wire, floats); break;
                case 8: reader.ReadInt64s(wire, ints); break;
                default: reader.Skip(wire); break;
            }
        }
        return new OnnxAttribute(name, f, i, s, ints.ToArray(), floats.ToArray(), t);
    }
}
