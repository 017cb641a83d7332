using TorchSharp;
using T2I.Core.Pretrained.Onnx;
using static TorchSharp.torch;

namespace T2I.Core.Pretrained.MiniLm;

/// <summary>
/// Fills a <see cref="BertModel"/> from an ONNX export of a HF BERT. Biases and embeddings keep their upstream names;
/// the export stores each Linear's weight transposed, unnamed, as the MatMul right before the Add of its bias, so
/// "<c>X.bias</c>" names that MatMul's initializer "<c>X.weight</c>". Every module tensor must be found.
/// </summary>
public static class MiniLmWeights
{
    public static BertModel FromPackage() => Load(OnnxGraph.Read(PretrainedPackages.MiniLmOnnx(), "all-MiniLM-L6-v2"), BertConfig.MiniLmL6);

    public static BertModel Load(OnnxGraph graph, BertConfig config)
    {
        var named = NamedTensors(graph);
        var model = new BertModel(config);
        var missing = new List<string>();
        using (no_grad())
        {
            foreach (var (key, target) in model.state_dict())
            {
                if (!named.TryGetValue(key, out var source))
                {
                    missing.Add(key);
                    continue;
                }
                using var value = tensor(source.Tensor.RequireFloats(), source.Tensor.Dims);
                using var oriented = source.Transposed ? value.t() : value.alias();
                if (!oriented.shape.SequenceEqual(target.shape))
                    throw new InvalidDataException($"ONNX '{key}' is [{string.Join("x", oriented.shape)}], " +
                        $"the module wants [{string.Join("x", target.shape)}].");
                target.copy_(oriented);
            }
        }
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"The ONNX graph lacks {missing.Count} BERT tensors, e.g. {string.Join(", ", missing.Take(3))}.");
        model.eval();
        return model;
    }

    /// <summary>Upstream key → tensor, and whether it is stored [in, out] (a MatMul operand) rather than as the module has it.</summary>
    private static Dictionary<string, (OnnxTensor Tensor, bool Transposed)> NamedTensors(OnnxGraph graph)
    {
        var named = graph.Initializers.Values.Where(t => t.Name.Contains('.'))
            .ToDictionary(t => t.Name, t => (t, false), StringComparer.Ordinal);
        var producers = graph.Nodes.SelectMany(n => n.Outputs.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        foreach (var add in graph.Nodes.Where(n => n.OpType == "Add"))
        {
            var bias = add.Inputs.FirstOrDefault(i => i.EndsWith(".bias", StringComparison.Ordinal) && graph.Initializers.ContainsKey(i));
            var other = add.Inputs.FirstOrDefault(i => i != bias);
            if (bias is null || other is null || !producers.TryGetValue(other, out var matmul) || matmul.OpType != "MatMul") continue;
            var weight = matmul.Inputs.FirstOrDefault(graph.Initializers.ContainsKey);
            if (weight is not null) named[bias[..^".bias".Length] + ".weight"] = (graph.Initializers[weight], true);
        }
        return named;
    }
}
