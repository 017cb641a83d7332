using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Diffusion;

/// <summary>
/// Training times: logit-normal t = sigmoid(m + s·z), z ~ N(0, 1), then the token-count shift of
/// <see cref="TimeShift"/> (or a fixed <paramref name="ShiftFactor"/>). Draws from the given generator so training is reproducible.
/// </summary>
public sealed record TimestepSampler(double Mean = 0.0, double Std = 1.0, bool ShiftByTokens = true, double? ShiftFactor = null)
{
    public Tensor Sample(long count, long imageTokens, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        // Scalar-free forms (ScalarSafe): this runs every training step.
        var t = sigmoid(randn(count, dtype: ScalarType.Float64, generator: generator).Times(Std).Plus(Mean));
        if (ShiftByTokens)
        {
            double em = Math.Exp(TimeShift.Mu(imageTokens, ShiftFactor));
            t = t.reciprocal().Plus(em - 1).reciprocal().Times(em); // em / (em + 1/t − 1)
        }
        return t.Clamp(0.0, 1.0).to_type(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
