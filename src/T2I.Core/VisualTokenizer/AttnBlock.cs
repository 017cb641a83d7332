using T2I.Core.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer;

/// <summary>LDM single-head spatial self-attention with 1×1 conv projections <c>q</c>, <c>k</c>, <c>v</c>, <c>proj_out</c>.</summary>
public sealed class AttnBlock : nn.Module<Tensor, Tensor>
{
    private readonly GroupNorm norm;
    private readonly Conv2d q, k, v, proj_out;

    public AttnBlock(int channels, int groups) : base(nameof(AttnBlock))
    {
        norm = GroupNorms.Create(groups, channels);
        q = nn.Conv2d(channels, channels, 1);
        k = nn.Conv2d(channels, channels, 1);
        v = nn.Conv2d(channels, channels, 1);
        proj_out = nn.Conv2d(channels, channels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var hn = norm.forward(x);
        Tensor Tokens(Conv2d proj) => proj.forward(hn).reshape(n, 1, c, h * w).transpose(2, 3); // [N,1,HW,C]
        var attended = nn.functional.scaled_dot_product_attention(Tokens(q), Tokens(k), Tokens(v));
        return x.Plus(proj_out.forward(attended.transpose(2, 3).reshape(n, c, h, w)));
    }
}
