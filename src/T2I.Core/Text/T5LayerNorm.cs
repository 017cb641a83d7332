using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Text;

/// <summary>T5's layer norm: RMS scaling only (no mean, no bias), parameter named <c>weight</c>, stats in fp32.</summary>
public sealed class T5LayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly double _eps;
    public Parameter weight;

    public T5LayerNorm(long dim, double eps) : base(nameof(T5LayerNorm))
    {
        _eps = eps;
        weight = nn.Parameter(ones(dim));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var variance = x.to_type(ScalarType.Float32).square().mean(new long[] { -1 }, keepdim: true);
        var normed = (x.to_type(ScalarType.Float32) * rsqrt(variance.Plus(_eps))).to_type(weight.dtype);
        return (weight * normed).MoveToOuterDisposeScope();
    }
}
