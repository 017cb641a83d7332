using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Dit;

/// <summary>
/// Final adaLN (shift, scale) + Linear to patch channels; <see cref="FluxDit.InitializeWeights"/> zeroes both, so the
/// model starts at v = 0.
/// </summary>
public sealed class LastLayer : nn.Module<Tensor, Tensor, Tensor>
{
    public LayerNorm norm_final;
    public AutocastLinear linear;
    public Sequential adaLN_modulation;

    public LastLayer(long hidden, long patchSize, long outChannels) : base(nameof(LastLayer))
    {
        norm_final = DoubleStreamBlock.PlainLayerNorm(hidden);
        linear = new AutocastLinear(hidden, patchSize * patchSize * outChannels, hasBias: true);
        var ada = new AutocastLinear(hidden, 2 * hidden, hasBias: true);
        adaLN_modulation = nn.Sequential(("0", nn.SiLU()), ("1", ada));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor vec)
    {
        using var scope = NewDisposeScope();
        var chunks = adaLN_modulation.forward(vec).chunk(2, dim: 1);
        var (shift, scale) = (chunks[0].unsqueeze(1), chunks[1].unsqueeze(1));
        return linear.forward(ModulationOut.Modulate(norm_final.forward(x), shift, scale)).MoveToOuterDisposeScope();
    }
}
