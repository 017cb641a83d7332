using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Diffusion;

/// <summary>
/// Classifier-free guidance with the conditional and unconditional halves in ONE batched forward:
/// the wrapped model sees [x; x] and [t; t] (its conditioning is stacked [positive; negative] by the caller)
/// and returns [v_pos; v_neg]; the guided velocity is v_neg + s·(v_pos − v_neg).
/// </summary>
public static class ClassifierFreeGuidance
{
    public static VelocityModel Wrap(VelocityModel batchedModel, double scale) => (x, t) =>
    {
        using var scope = NewDisposeScope();
        var v = batchedModel(cat(new[] { x, x }, dim: 0), cat(new[] { t, t }, dim: 0));
        var halves = v.chunk(2, dim: 0);
        var (vPos, vNeg) = (halves[0], halves[1]);
        return vNeg.PlusScaled(vPos - vNeg, scale).MoveToOuterDisposeScope();
    };
}
