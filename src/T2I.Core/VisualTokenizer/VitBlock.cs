using T2I.Core.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer;

/// <summary>Pre-norm transformer block with LayerScale: x += ls1(attn(norm1 x)); x += ls2(mlp(norm2 x)).</summary>
public sealed class VitBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly VitAttention attn;
    private readonly LayerScale ls1;
    private readonly LayerNorm norm2;
    private readonly Mlp mlp;
    private readonly LayerScale ls2;

    public VitBlock(VisionTransformerConfig c) : base(nameof(VitBlock))
    {
        norm1 = nn.LayerNorm(c.Width, VisionTransformerConfig.LayerNormEps);
        attn = new VitAttention(c.Width, c.Heads);
        ls1 = new LayerScale(c.Width, c.LayerScaleInit);
        norm2 = nn.LayerNorm(c.Width, VisionTransformerConfig.LayerNormEps);
        mlp = new Mlp(c.Width, c.MlpHidden);
        ls2 = new LayerScale(c.Width, c.LayerScaleInit);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        x = x.Plus(ls1.forward(attn.forward(norm1.forward(x))));
        return x.Plus(ls2.forward(mlp.forward(norm2.forward(x))));
    }
}
