using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Dit;

/// <summary>RMSNorm with a learned per-channel <c>scale</c> (FLUX's name); statistics in fp32 for bf16 safety.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double _eps;
    public Parameter scale;

    public RmsNorm(long dim, double eps = 1e-6) : base(nameof(RmsNorm))
    {
        _eps = eps;
        scale = nn.Parameter(ones(dim));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var xf = x.to_type(ScalarType.Float32);
        var rrms = rsqrt(xf.square().mean(new long[] { -1 }, keepdim: true).Plus(_eps)); // Scalar-free: ScalarSafe
        return ((xf * rrms).to_type(x.dtype) * scale).MoveToOuterDisposeScope();
    }
}
