using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.Nn;

/// <summary>
/// Multi-head self-attention of a ViT with a fused <c>qkv</c> projection (with bias) and an output
/// <c>proj</c>, the timm layout: qkv's output rows are [q; k; v], each split into heads.
/// </summary>
public sealed class VitAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly long heads;

    public VitAttention(long dim, long numHeads) : base(nameof(VitAttention))
    {
        if (dim % numHeads != 0) throw new ArgumentException($"Width {dim} is not divisible by {numHeads} heads.");
        heads = numHeads;
        qkv = nn.Linear(dim, dim * 3);
        proj = nn.Linear(dim, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0], n = x.shape[1], c = x.shape[2];
        var qkvHeads = qkv.forward(x).reshape(b, n, 3, heads, c / heads).permute(2, 0, 3, 1, 4);
        var (q, k, v) = (qkvHeads[0], qkvHeads[1], qkvHeads[2]);
        var attended = nn.functional.scaled_dot_product_attention(q, k, v); // softmax(q·kᵀ/√d_h)·v
        return proj.forward(attended.transpose(1, 2).reshape(b, n, c));
    }

    public static long ParameterCount(long dim) => dim * 3 * dim + 3 * dim + dim * dim + dim;
}
