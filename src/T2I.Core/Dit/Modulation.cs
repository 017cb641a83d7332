using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Dit;

/// <summary>One adaLN modulation triple, each [N, 1, D] so it broadcasts over tokens.</summary>
public sealed record ModulationOut(Tensor Shift, Tensor Scale, Tensor Gate)
{
    public Tensor Apply(Tensor normed) => Modulate(normed, Shift, Scale);

    /// <summary>(1 + scale) · x + shift, without temporary Scalars (see <see cref="ScalarSafe"/>).</summary>
    public static Tensor Modulate(Tensor normed, Tensor shift, Tensor scale) => scale.OnePlus().mul(normed).Plus(shift);
}

/// <summary>
/// adaLN-Zero modulation: SiLU(vec) → Linear → 3 (single) or 6 (double) vectors. <see cref="FluxDit.InitializeWeights"/>
/// zeroes it, so every block starts as the identity (gates are zero).
/// </summary>
public sealed class Modulation : nn.Module
{
    private readonly int _multiplier;
    public AutocastLinear lin;

    public bool IsDouble { get; }

    public Modulation(long dim, bool isDouble) : base(nameof(Modulation))
    {
        IsDouble = isDouble;
        _multiplier = isDouble ? 6 : 3;
        lin = new AutocastLinear(dim, _multiplier * dim, hasBias: true);
        RegisterComponents();
    }

    public (ModulationOut First, ModulationOut? Second) forward(Tensor vec)
    {
        var chunks = lin.forward(nn.functional.silu(vec)).unsqueeze(1).chunk(_multiplier, dim: -1);
        var first = new ModulationOut(chunks[0], chunks[1], chunks[2]);
        return (first, IsDouble ? new ModulationOut(chunks[3], chunks[4], chunks[5]) : null);
    }
}
