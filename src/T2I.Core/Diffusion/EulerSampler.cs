using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Diffusion;

/// <summary>Euler step of the flow ODE: x_{t'} = x + (t' − t)·v.</summary>
public sealed class EulerSampler : FlowSampler
{
    public override string Name => "Euler";

    protected override Tensor Step(Tensor x, Tensor v, double t, double tNext, Generator? generator) => x.PlusScaled(v, tNext - t);
}
