using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Dit;

/// <summary>Attention as FLUX computes it: RoPE on q and k, scaled dot-product, heads merged back.</summary>
public static class Attention
{
    /// <summary>q, k, v [N, H, L, D]; pe from <see cref="Rope.Embed"/>; mask [N, 1, 1, L] (true = attend) or null.</summary>
    public static Tensor Compute(Tensor q, Tensor k, Tensor v, Tensor pe, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        q = Rope.Apply(q, pe);
        k = Rope.Apply(k, pe);
        var x = nn.functional.scaled_dot_product_attention(q, k, v, mask);
        long n = x.shape[0], h = x.shape[1], l = x.shape[2], d = x.shape[3];
        return x.permute(0, 2, 1, 3).reshape(n, l, h * d).MoveToOuterDisposeScope();
    }

    /// <summary>[N, L, 3·H·D] → q, k, v each [N, H, L, D] (einops "B L (K H D) -> K B H L D").</summary>
    public static (Tensor Q, Tensor K, Tensor V) SplitHeads(Tensor qkv, long heads)
    {
        long n = qkv.shape[0], l = qkv.shape[1], d = qkv.shape[2] / (3 * heads);
        var parts = qkv.reshape(n, l, 3, heads, d).permute(2, 0, 3, 1, 4);
        return (parts[0], parts[1], parts[2]);
    }

    /// <summary>Key mask for joint [txt, img] attention: text padding masked, image tokens always on.</summary>
    public static Tensor? JointMask(Tensor? txtMask, long imageTokens)
    {
        if (txtMask is null) return null;
        using var scope = NewDisposeScope();
        var img = ones(txtMask.shape[0], imageTokens, dtype: ScalarType.Bool, device: txtMask.device);
        var mask = cat(new[] { txtMask.to_type(ScalarType.Bool), img }, dim: 1);
        return mask.unsqueeze(1).unsqueeze(1).MoveToOuterDisposeScope();
    }
}
