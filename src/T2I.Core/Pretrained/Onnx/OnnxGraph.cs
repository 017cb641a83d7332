namespace T2I.Core.Pretrained.Onnx;

/// <summary>
/// The parts of an ONNX model a weight loader needs: operators in file order (ONNX requires topological order),
/// initializers by name, and the graph's input and output names.
/// </summary>
public sealed class OnnxGraph
{
    public required IReadOnlyList<OnnxNode> Nodes { get; init; }
    public required IReadOnlyDictionary<string, OnnxTensor> Initializers { get; init; }
    public required IReadOnlyList<string> Inputs { get; init; }
    public required IReadOnlyList<string> Outputs { get; init; }

    public static OnnxGraph Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No ONNX model at '{path}'.", path);
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a serialised ModelProto; <paramref name="source"/> names it in errors.</summary>
    public static OnnxGraph Read(ReadOnlySpan<byte> bytes, string source)
    {
        var model = new ProtoReader(bytes);
        while (!model.End)
        {
            var (field, wire) = model.ReadTag();
            if (field == 7 && wire == 2) return ReadGraph(model.ReadBytes());
            model.Skip(wire);
        }
        throw new InvalidDataException($"'{source}' holds no ONNX graph.");
    }

    /// <summary>The tensor an operator input names: an initializer, or the value of a Constant node.</summary>
    public OnnxTensor Tensor(string name) =>
        Initializers.TryGetValue(name, out var t) ? t
        : Nodes.FirstOrDefault(n => n.OpType == "Constant" && n.Outputs.Contains(name))?.Attributes["value"].T
          ?? throw new KeyNotFoundException($"ONNX: no initializer or constant named '{name}'.");

    private static OnnxGraph ReadGraph(ReadOnlySpan<byte> message)
    {
        var reader = new ProtoReader(message);
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        var inputs = new List<string>();
        var outputs = new List<string>();
        while (!reader.End)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1: nodes.Add(OnnxNode.Read(reader.ReadBytes())); break;
                case 5:
                    var tensor = OnnxTensor.Read(reader.ReadBytes());
                    initializers[tensor.Name] = tensor;
                    break;
                case 11: inputs.Add(ValueName(reader.ReadBytes())); break;
                case 12: outputs.Add(ValueName(reader.ReadBytes())); break;
                default: reader.Skip(wire); break;
            }
        }
        return new OnnxGraph
        {
            Nodes = nodes,
            Initializers = initializers,
            Inputs = inputs.Where(i => !initializers.ContainsKey(i)).ToArray(),
            Outputs = outputs,
        };
    }

    private static string ValueName(ReadOnlySpan<byte> valueInfo)
    {
        var reader = new ProtoReader(valueInfo);
        while (!reader.End)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 1) return reader.ReadString();
            reader.Skip(wire);
        }
        return "";
    }
}
