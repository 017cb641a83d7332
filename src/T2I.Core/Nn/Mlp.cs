using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.Nn;

/// <summary>Two linear layers with an exact (erf) GELU between them; timm names <c>fc1</c>, <c>fc2</c>.</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public Mlp(long inFeatures, long hiddenFeatures, long? outFeatures = null) : base(nameof(Mlp))
    {
        fc1 = nn.Linear(inFeatures, hiddenFeatures);
        fc2 = nn.Linear(hiddenFeatures, outFeatures ?? inFeatures);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc2.forward(nn.functional.gelu(fc1.forward(x)));

    /// <summary>Parameters of an Mlp with these sizes (weights + biases), without allocating one.</summary>
    public static long ParameterCount(long inFeatures, long hidden, long outFeatures) =>
        inFeatures * hidden + hidden + hidden * outFeatures + outFeatures;
}
