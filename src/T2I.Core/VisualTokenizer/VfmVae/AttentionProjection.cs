using TorchSharp;
using TorchSharp.Modules;
using T2I.Core.Nn;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>
/// The attention projection the paper takes from UniTok (App. B.1): tokens attend to each other at their input width,
/// then change width through a linear shortcut plus an MLP, y = W·LN(x′) + MLP(LN(x′)), x′ = x + Attn(LN(x)). The
/// encoder uses it once to compress the concatenated VFM tokens to the posterior's moments; the decoder uses one to
/// expand z back to the width its two branches read.
/// </summary>
public sealed class AttentionProjection : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1, norm2, norm3;
    private readonly VitAttention attn;
    private readonly Mlp mlp;
    private readonly Linear proj;

    public AttentionProjection(int inDim, int outDim, int heads, int mlpRatio = 2) : base(nameof(AttentionProjection))
    {
        norm1 = nn.LayerNorm(inDim, eps: 1e-6);
        attn = new VitAttention(inDim, heads);
        norm2 = nn.LayerNorm(inDim, eps: 1e-6);
        mlp = new Mlp(inDim, (long)inDim * mlpRatio, outDim);
        norm3 = nn.LayerNorm(inDim, eps: 1e-6);
        proj = nn.Linear(inDim, outDim);
        RegisterComponents();
    }

    /// <summary>The layer whose gradient norm balances the VF loss against reconstruction (VA-VAE's adaptive weight).</summary>
    public Parameter LastLayerWeight => proj.weight!;

    /// <param name="x">Tokens [N, L, in].</param>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x.Plus(attn.forward(norm1.forward(x)));
        return proj.forward(norm3.forward(h)).Plus(mlp.forward(norm2.forward(h))).MoveToOuterDisposeScope();
    }

    /// <summary>The most heads, up to <paramref name="maxHeads"/>, that divide <paramref name="dim"/>.</summary>
    public static int HeadsFor(int dim, int maxHeads) => Enumerable.Range(1, maxHeads).Reverse().First(h => dim % h == 0);

    /// <summary>Feature maps [N, C, h, w] → tokens [N, h·w, C] and back.</summary>
    public static Tensor Tokens(Tensor map) => map.flatten(2).transpose(1, 2);

    public static Tensor Map(Tensor tokens, long h, long w) => tokens.transpose(1, 2).reshape(tokens.shape[0], -1, h, w);
}
