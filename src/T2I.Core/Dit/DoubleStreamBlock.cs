using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.Nn;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Dit;

/// <summary>
/// MM-DiT block: image and text keep separate weights (modulation, attention projections, MLP) but attend
/// jointly over the concatenation [txt, img].
/// </summary>
public sealed class DoubleStreamBlock : nn.Module
{
    public Modulation img_mod;
    public LayerNorm img_norm1;
    public SelfAttention img_attn;
    public LayerNorm img_norm2;
    public Sequential img_mlp;
    public Modulation txt_mod;
    public LayerNorm txt_norm1;
    public SelfAttention txt_attn;
    public LayerNorm txt_norm2;
    public Sequential txt_mlp;

    public DoubleStreamBlock(long hidden, long numHeads, double mlpRatio, bool qkvBias) : base(nameof(DoubleStreamBlock))
    {
        img_mod = new Modulation(hidden, isDouble: true);
        img_norm1 = PlainLayerNorm(hidden);
        img_attn = new SelfAttention(hidden, numHeads, qkvBias);
        img_norm2 = PlainLayerNorm(hidden);
        img_mlp = Mlp(hidden, mlpRatio);
        txt_mod = new Modulation(hidden, isDouble: true);
        txt_norm1 = PlainLayerNorm(hidden);
        txt_attn = new SelfAttention(hidden, numHeads, qkvBias);
        txt_norm2 = PlainLayerNorm(hidden);
        txt_mlp = Mlp(hidden, mlpRatio);
        RegisterComponents();
    }

    public (Tensor Img, Tensor Txt) forward(Tensor img, Tensor txt, Tensor vec, Tensor pe, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var (imgMod1, imgMod2) = img_mod.forward(vec);
        var (txtMod1, txtMod2) = txt_mod.forward(vec);

        var (imgQ, imgK, imgV) = img_attn.Project(imgMod1.Apply(img_norm1.forward(img)));
        var (txtQ, txtK, txtV) = txt_attn.Project(txtMod1.Apply(txt_norm1.forward(txt)));

        var attn = Attention.Compute(
            cat(new[] { txtQ, imgQ }, dim: 2), cat(new[] { txtK, imgK }, dim: 2), cat(new[] { txtV, imgV }, dim: 2), pe, mask);
        long lt = txt.shape[1];
        var txtAttn = attn[.., ..(int)lt];
        var imgAttn = attn[.., (int)lt..];

        // x + gate·f(x) as one addcmul: no temporary Scalar (ScalarSafe), one kernel.
        img = img.PlusGated(imgMod1.Gate, img_attn.proj.forward(imgAttn));
        img = img.PlusGated(imgMod2!.Gate, img_mlp.forward(imgMod2.Apply(img_norm2.forward(img))));
        txt = txt.PlusGated(txtMod1.Gate, txt_attn.proj.forward(txtAttn));
        txt = txt.PlusGated(txtMod2!.Gate, txt_mlp.forward(txtMod2.Apply(txt_norm2.forward(txt))));
        return (img.MoveToOuterDisposeScope(), txt.MoveToOuterDisposeScope());
    }

    /// <summary>LayerNorm without affine parameters (modulation supplies scale and shift).</summary>
    internal static LayerNorm PlainLayerNorm(long dim) => nn.LayerNorm(dim, eps: 1e-6, elementwise_affine: false);

    /// <summary>Linear(d, r·d) → GELU(tanh) → Linear(r·d, d), indexed 0 and 2 as in FLUX's nn.Sequential.</summary>
    private static Sequential Mlp(long hidden, double ratio)
    {
        long mlpHidden = (long)(hidden * ratio);
        return nn.Sequential(
            ("0", new AutocastLinear(hidden, mlpHidden, hasBias: true)),
            ("1", nn.GELU(GELU.Approximate.tanh)),
            ("2", new AutocastLinear(mlpHidden, hidden, hasBias: true)));
    }
}
