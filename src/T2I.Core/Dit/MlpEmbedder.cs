using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Dit;

/// <summary>Linear → SiLU → Linear: embeds the timestep features and the pooled text vector.</summary>
public sealed class MlpEmbedder : nn.Module<Tensor, Tensor>
{
    public AutocastLinear in_layer;
    public AutocastLinear out_layer;

    public MlpEmbedder(long inDim, long hiddenDim) : base(nameof(MlpEmbedder))
    {
        in_layer = new AutocastLinear(inDim, hiddenDim, hasBias: true);
        out_layer = new AutocastLinear(hiddenDim, hiddenDim, hasBias: true);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => out_layer.forward(nn.functional.silu(in_layer.forward(x)));
}
