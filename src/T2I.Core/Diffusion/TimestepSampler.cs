using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Diffusion;

/// <summary>
/// Training times: logit-normal t = sigmoid(m + s·z), z ~ N(0, 1), then the token-count shift of
/// <see cref="TimeShift"/>. Draws from the given generator so training is reproducible.
/// </summary>
public sealed record TimestepSampler(double Mean = 0.0, double Std = 1.0, bool ShiftByTokens = true)
{
    public Tensor Sample(long count, long imageTokens, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var t = sigmoid(Mean + Std * randn(count, dtype: ScalarType.Float64, generator: generator));
        if (ShiftByTokens)
        {
            double em = Math.Exp(TimeShift.Mu(imageTokens));
            t = em / (em + (1 / t - 1));
        }
        return t.clamp(0.0, 1.0).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
