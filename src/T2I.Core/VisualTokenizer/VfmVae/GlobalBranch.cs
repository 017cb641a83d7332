using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>
/// z_g and its mapping network (App. B.3): the expanded latent pooled over space — a descriptor invariant to layout —
/// normalised to unit second moment, then a small MLP to the style vector every block and ToRGB head reads.
/// </summary>
public sealed class GlobalBranch : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public GlobalBranch(int inDim, int styleDim) : base(nameof(GlobalBranch))
    {
        fc1 = nn.Linear(inDim, styleDim);
        fc2 = nn.Linear(styleDim, styleDim);
        RegisterComponents();
    }

    /// <param name="expanded">[N, D, h, w].</param>
    public override Tensor forward(Tensor expanded)
    {
        using var scope = NewDisposeScope();
        var pooled = expanded.mean(new long[] { 2, 3 });
        pooled = pooled * pooled.Square().mean(new long[] { 1 }, keepdim: true).Plus(1e-8).rsqrt();
        return fc2.forward(nn.functional.gelu(fc1.forward(pooled))).MoveToOuterDisposeScope();
    }
}
