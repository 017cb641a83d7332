using TorchSharp;
using T2I.Core.Pretrained.Onnx;
using static TorchSharp.torch;

namespace T2I.Core.Pretrained.ResNet;

/// <summary>
/// Copies the ONNX export's initializers into a <see cref="ResNet18"/>: the i-th Conv node (file order, which ONNX
/// keeps topological) goes to the i-th <see cref="ResNet18.Units"/>, with the BatchNormalization that consumes its
/// output. Kernel, stride, padding and every shape are checked, so a different network fails loudly.
/// </summary>
public static class ResNet18Weights
{
    public static ResNet18 FromPackage() => Load(OnnxGraph.Load(PretrainedPackages.ResNet18Onnx));

    public static ResNet18 Load(OnnxGraph graph)
    {
        var model = new ResNet18();
        var convs = graph.Nodes.Where(n => n.OpType == "Conv").ToArray();
        var units = model.Units().ToArray();
        if (convs.Length != units.Length)
            throw new InvalidDataException($"ONNX graph has {convs.Length} convolutions; ResNet-18 has {units.Length}.");
        using (no_grad())
        {
            for (int i = 0; i < units.Length; i++) Copy(graph, convs[i], units[i]);
        }
        model.eval();
        return model;
    }

    private static void Copy(OnnxGraph graph, OnnxNode conv, ConvBn unit)
    {
        var (top, left, bottom, right) = unit.Pads;
        var pads = conv.Ints("pads");
        var strides = conv.Ints("strides");
        if (!pads.SequenceEqual(new[] { top, left, bottom, right }) || strides.Any(s => s != unit.Stride))
            throw new InvalidDataException($"ONNX {conv.Name}: pads [{string.Join(",", pads)}] strides " +
                $"[{string.Join(",", strides)}] differ from ResNet-18's unit (stride {unit.Stride}).");
        Set(unit.Conv.weight!, graph.Tensor(conv.Inputs[1]), conv.Name);
        var bn = graph.Nodes.SingleOrDefault(n => n.OpType == "BatchNormalization" && n.Inputs[0] == conv.Outputs[0])
            ?? throw new InvalidDataException($"ONNX {conv.Name} is not followed by a batch norm.");
        if (Math.Abs(bn.Float("epsilon", 1e-5f) - 1e-5f) > 1e-9f)
            throw new InvalidDataException($"ONNX {bn.Name}: epsilon {bn.Float("epsilon", 0)} is not 1e-5.");
        Set(unit.Norm.weight!, graph.Tensor(bn.Inputs[1]), bn.Name);
        Set(unit.Norm.bias!, graph.Tensor(bn.Inputs[2]), bn.Name);
        Set(unit.Norm.running_mean!, graph.Tensor(bn.Inputs[3]), bn.Name);
        Set(unit.Norm.running_var!, graph.Tensor(bn.Inputs[4]), bn.Name);
    }

    private static void Set(Tensor target, OnnxTensor source, string node)
    {
        if (!target.shape.SequenceEqual(source.Dims))
            throw new InvalidDataException($"ONNX {node}: '{source.Name}' is [{string.Join("x", source.Dims)}], " +
                $"the module wants [{string.Join("x", target.shape)}].");
        using var value = tensor(source.RequireFloats(), source.Dims);
        target.copy_(value);
    }
}
