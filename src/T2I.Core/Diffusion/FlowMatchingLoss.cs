using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Diffusion;

/// <summary>
/// The flow-matching objective on the rectified-flow path (<see cref="FlowMatchingPath"/>): a model sees
/// x_t = (1 − t)·x₀ + t·ε and regresses the velocity target v = ε − x₀; the loss is the mean squared error,
/// uniformly weighted over t (FLUX and SD3 shape the time distribution instead, see <see cref="TimestepSampler"/>),
/// or weighted per sample when weights are given.
/// </summary>
public static class FlowMatchingLoss
{
    /// <summary>The model's input x_t and its regression target for data x₀, noise ε and per-sample times t [N].</summary>
    public static (Tensor Xt, Tensor Target) Pair(Tensor x0, Tensor noise, Tensor t) =>
        (FlowMatchingPath.Interpolate(x0, noise, t), FlowMatchingPath.Velocity(x0, noise));

    /// <summary>
    /// MSE between the predicted velocity (any dtype; computed in the target's, fp32 under autocast as torch's) and the
    /// target; <paramref name="weights"/> [N] weights each sample's mean squared error.
    /// </summary>
    public static Tensor Compute(Tensor velocity, Tensor target, Tensor? weights = null)
    {
        var v = velocity.to_type(target.dtype);
        if (weights is null) return nn.functional.mse_loss(v, target);
        using var scope = NewDisposeScope();
        var perSample = (v - target).square().flatten(1).mean([1L]);
        return (perSample * weights.to_type(perSample.dtype)).mean().MoveToOuterDisposeScope();
    }
}
