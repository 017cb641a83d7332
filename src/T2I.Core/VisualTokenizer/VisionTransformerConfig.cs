namespace T2I.Core.VisualTokenizer;

/// <summary>
/// A ViT in the DINOv2 design (timm layout). <see cref="PretrainGrid"/> is the patch grid its learned position
/// table was trained at (37×37 for DINOv2's 518-px pretraining); other grids are resampled at run time.
/// <see cref="ClassTokenHasPosition"/> is timm's <c>!no_embed_class</c>: the register variants keep a
/// patches-only table, the plain DINOv2 table has one extra row for the class token.
/// </summary>
public sealed record VisionTransformerConfig(
    int Width,
    int Depth,
    int Heads,
    int Registers,
    int PatchSize = 14,
    int PretrainGrid = 37,
    double MlpRatio = 4.0,
    double LayerScaleInit = 1e-5,
    bool ClassTokenHasPosition = false,
    int InChannels = 3)
{
    public const double LayerNormEps = 1e-6;

    /// <summary>timm <c>vit_large_patch14_reg4_dinov2</c> (the paper's LAION encoder).</summary>
    public static VisionTransformerConfig LargeReg4Dinov2 { get; } = new(1024, 24, 16, Registers: 4);

    /// <summary>timm <c>vit_large_patch14_dinov2</c> (the paper's ImageNet encoder): no registers, class position.</summary>
    public static VisionTransformerConfig LargeDinov2 { get; } = new(1024, 24, 16, Registers: 0, ClassTokenHasPosition: true);

    /// <summary>
    /// A CPU-sized encoder of the same design (patch 14 kept so the latent-grid rule is unchanged), trained from
    /// scratch: LayerScale starts at 1, not DINOv2's 1e-5 — a near-zero gain keeps a shallow ViT next to its patch
    /// embedding (pretraining stayed at chance). Loaded DINOv2 weights carry their own gammas.
    /// </summary>
    public static VisionTransformerConfig Tiny { get; } = new(96, 4, 3, Registers: 4, PretrainGrid: 8, LayerScaleInit: 1.0);

    public VisionTransformerConfig Validate()
    {
        if (Registers > 0 && ClassTokenHasPosition)
            throw new ArgumentException("Register variants use a patches-only position table (timm no_embed_class).");
        if (Width % Heads != 0) throw new ArgumentException($"Width {Width} is not divisible by {Heads} heads.");
        return this;
    }

    public int MlpHidden => (int)(Width * MlpRatio);

    /// <summary>Rows of the learned position table.</summary>
    public int PositionRows => PretrainGrid * PretrainGrid + (ClassTokenHasPosition ? 1 : 0);

    /// <summary>Prefix tokens in front of the patches: class + registers.</summary>
    public int PrefixTokens => 1 + Registers;

    /// <summary>Multiply-add FLOPs of one forward pass over a patch grid h×w: patch embedding, qkv/proj/MLP matmuls and
    /// attention.</summary>
    public long ForwardFlops(int h, int w)
    {
        long d = Width, patches = (long)h * w, tokens = PrefixTokens + patches;
        long patchEmbed = 2 * (long)InChannels * PatchSize * PatchSize * d * patches;
        long perBlock = 2 * tokens * (3 * d * d + d * d + 2 * d * MlpHidden) + 2 * 2 * tokens * tokens * d;
        return patchEmbed + Depth * perBlock;
    }

    /// <summary>Parameter count by formula — lets presets report ViT-L's ≈304M without allocating it.</summary>
    public long ParameterCount()
    {
        long d = Width;
        long patchEmbed = (long)InChannels * PatchSize * PatchSize * d + d;
        long tokens = d + (long)Registers * d + (long)PositionRows * d;
        long block = 2 * (2 * d)                                   // norm1, norm2
                     + Nn.VitAttention.ParameterCount(d)
                     + 2 * d                                       // ls1, ls2
                     + Nn.Mlp.ParameterCount(d, MlpHidden, d);
        return patchEmbed + tokens + Depth * block + 2 * d;        // + final norm
    }
}
