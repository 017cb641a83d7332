using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Diffusion;

/// <summary>
/// Rectified-flow path between data (t = 0) and noise (t = 1): x_t = (1 − t)·x0 + t·ε, velocity v = ε − x0.
/// </summary>
public static class FlowMatchingPath
{
    /// <summary>x_t for per-sample times t [N] broadcast over the remaining dims of x0.</summary>
    public static Tensor Interpolate(Tensor x0, Tensor noise, Tensor t)
    {
        using var scope = NewDisposeScope();
        var tb = Broadcastable(t, x0);
        return (tb.OneMinus() * x0).Plus(tb * noise).MoveToOuterDisposeScope();
    }

    /// <summary>The regression target v = ε − x0.</summary>
    public static Tensor Velocity(Tensor x0, Tensor noise) => noise - x0;

    /// <summary>x0 recovered from x_t and a velocity: x0 = x − t·v.</summary>
    public static Tensor PredictX0(Tensor x, Tensor v, Tensor t) => x - Broadcastable(t, x) * v;

    /// <summary>ε recovered from x_t and a velocity: ε = x + (1 − t)·v.</summary>
    public static Tensor PredictNoise(Tensor x, Tensor v, Tensor t) => x.Plus(Broadcastable(t, x).OneMinus() * v);

    /// <summary>t [N] reshaped to [N, 1, …] matching like's rank.</summary>
    public static Tensor Broadcastable(Tensor t, Tensor like)
    {
        var shape = new long[like.ndim];
        Array.Fill(shape, 1L);
        shape[0] = t.shape[0];
        return t.to_type(like.dtype).reshape(shape);
    }
}
