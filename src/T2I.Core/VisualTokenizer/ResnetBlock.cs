using T2I.Core.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer;

/// <summary>LDM residual block: GroupNorm → swish → conv3 ×2, 1×1 <c>nin_shortcut</c> when widths differ.</summary>
public sealed class ResnetBlock : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly GroupNorm norm2;
    private readonly Conv2d conv2;
    private readonly Conv2d? nin_shortcut;

    public ResnetBlock(int inChannels, int outChannels, int groups) : base(nameof(ResnetBlock))
    {
        norm1 = GroupNorms.Create(groups, inChannels);
        conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
        norm2 = GroupNorms.Create(groups, outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1);
        if (inChannels != outChannels) nin_shortcut = nn.Conv2d(inChannels, outChannels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = OneDnnConv2d.Forward(conv1, Swish(norm1.forward(x)));
        h = OneDnnConv2d.Forward(conv2, Swish(norm2.forward(h)));
        return (nin_shortcut is null ? x : OneDnnConv2d.Forward(nin_shortcut, x)).Plus(h);
    }

    // silu is x·sigmoid(x) as one fused kernel: measured ≈ 20× cheaper forward + backward than the two-op form on CPU.
    internal static Tensor Swish(Tensor x) => nn.functional.silu(x);
}
