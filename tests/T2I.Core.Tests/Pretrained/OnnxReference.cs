using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace T2I.Core.Tests.Pretrained;

/// <summary>The upstream runtime our ONNX weight loaders are checked against.</summary>
internal static class OnnxReference
{
    public sealed record Input(string Name, int[] Shape, float[]? Floats = null, long[]? Int64s = null);

    /// <summary>Runs the model and returns every output by name, flattened.</summary>
    public static Dictionary<string, float[]> Run(byte[] model, params Input[] inputs)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        using var session = new InferenceSession(model, options);
        var values = inputs.Select(i => i.Floats is not null
            ? NamedOnnxValue.CreateFromTensor(i.Name, new DenseTensor<float>(i.Floats, i.Shape))
            : NamedOnnxValue.CreateFromTensor(i.Name, new DenseTensor<long>(i.Int64s!, i.Shape))).ToList();
        using var results = session.Run(values);
        return results.ToDictionary(r => r.Name, r => r.AsEnumerable<float>().ToArray());
    }
}
