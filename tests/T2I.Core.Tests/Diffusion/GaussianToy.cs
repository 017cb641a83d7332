using T2I.Core.Diffusion;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Diffusion;

/// <summary>
/// Data x0 ~ N(m, s²) per dimension: the exact flow-matching velocity E[ε − x0 | x_t] is known in closed form,
/// so a correct sampler must transport N(0, 1) onto N(m, s²).
/// </summary>
internal sealed class GaussianToy
{
    public Tensor Mean { get; }
    public Tensor Std { get; }

    public GaussianToy(float[] mean, float[] std)
    {
        Mean = tensor(mean);
        Std = tensor(std);
    }

    public Tensor Velocity(Tensor x, Tensor t)
    {
        var tb = t.reshape(-1, 1);
        var mu = (1 - tb) * Mean;
        var variance = (1 - tb).pow(2) * Std.pow(2) + tb.pow(2);
        var centred = x - mu;
        var expectedX0 = Mean + (1 - tb) * Std.pow(2) * centred / variance;
        var expectedNoise = tb * centred / variance;
        return expectedNoise - expectedX0;
    }

    public VelocityModel Model => Velocity;
}
