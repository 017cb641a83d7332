using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Diffusion;

/// <summary>The model as the sampler sees it: x_t [N, …] and t [N] → velocity [N, …].</summary>
public delegate Tensor VelocityModel(Tensor x, Tensor t);

/// <summary>Reported after each step; tensors are only valid during the callback.</summary>
public sealed record SamplerStep(int Step, int TotalSteps, double T, Tensor X, Tensor PredictedX0);

/// <summary>
/// Integrates the flow ODE from noise at grid[0] = 1 down to grid[^1] = 0. Subclasses define one step.
/// Cancellation is checked before every model call.
/// </summary>
public abstract class FlowSampler
{
    public abstract string Name { get; }

    /// <summary>One update from t to tNext given the velocity v predicted at (x, t).</summary>
    protected abstract Tensor Step(Tensor x, Tensor v, double t, double tNext, Generator? generator);

    /// <param name="noise">x at t = grid[0] (normally pure noise).</param>
    /// <param name="generator">CPU generator for any fresh noise (stochastic samplers), so results do not depend on the device.</param>
    public Tensor Sample(VelocityModel model, Tensor noise, IReadOnlyList<double> grid, Generator? generator = null,
        Action<SamplerStep>? onStep = null, CancellationToken ct = default)
    {
        var x = noise.alias();
        int total = grid.Count - 1;
        for (int i = 0; i < total; i++)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var tVec = ScalarSafe.Full(x.shape[0], grid[i], ScalarType.Float32, x.device);
            var v = model(x, tVec);
            var next = Step(x, v, grid[i], grid[i + 1], generator);
            if (onStep is not null) onStep(new SamplerStep(i + 1, total, grid[i + 1], next, FlowMatchingPath.PredictX0(x, v, tVec)));
            x.Dispose();
            x = next.MoveToOuterDisposeScope();
        }
        return x;
    }

    public static FlowSampler Create(string name, double eta = 0.0) => name.ToLowerInvariant() switch
    {
        "ddim" => new DdimSampler(eta),
        "euler" => new EulerSampler(),
        _ => throw new ArgumentException($"Unknown sampler '{name}' (ddim, euler)."),
    };
}
