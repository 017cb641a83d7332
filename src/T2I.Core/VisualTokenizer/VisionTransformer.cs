using T2I.Core.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// The pretrained visual encoder E_p: a ViT in the DINOv2 design with timm's parameter names
/// (<c>cls_token</c>, <c>reg_token</c>, <c>pos_embed</c>, <c>patch_embed.proj</c>, <c>blocks.N.*</c>, <c>norm</c>).
/// Tokens are ordered [cls, reg×R, patches]; the position table is resampled to whatever grid the input has.
/// </summary>
public sealed class VisionTransformer : nn.Module<Tensor, Tensor>, IPatchEncoder
{
    private readonly Parameter cls_token;
    private readonly Parameter? reg_token;
    private readonly Parameter pos_embed;
    private readonly PatchEmbed patch_embed;
    private readonly ModuleList<VitBlock> blocks;
    private readonly LayerNorm norm;

    public VisionTransformerConfig Config { get; }

    public VisionTransformer(VisionTransformerConfig config) : base(nameof(VisionTransformer))
    {
        Config = config.Validate();
        long d = config.Width;
        // DINOv2/timm init: small normal tokens and positions; linear layers truncated-normal(0.02).
        cls_token = new Parameter(randn(1, 1, d).Times(1e-6));
        reg_token = config.Registers > 0 ? new Parameter(randn(1, config.Registers, d).Times(1e-6)) : null;
        pos_embed = new Parameter(randn(1, config.PositionRows, d).Times(0.02));
        patch_embed = new PatchEmbed(config.InChannels, config.Width, config.PatchSize);
        blocks = new ModuleList<VitBlock>(Enumerable.Range(0, config.Depth).Select(_ => new VitBlock(config)).ToArray());
        norm = nn.LayerNorm(d, VisionTransformerConfig.LayerNormEps);
        RegisterComponents();
        // timm's init of the blocks' linear layers: weights truncated-normal(std 0.02, cut at ±2 — absolute, so never
        // reached: plain normal), biases zero (TorchSharp's default bias is uniform ±1/√fan_in). Not
        // nn.init.trunc_normal_: in TorchSharp 0.107 it fills the tensor with the constant 0.02 — every hidden unit
        // identical, a symmetry training never breaks (the tiny encoder's pretraining stayed at chance).
        using var noGrad = no_grad();
        foreach (var (name, p) in named_parameters())
        {
            bool linear = name.StartsWith("blocks.", StringComparison.Ordinal) &&
                          (name.Contains(".attn.", StringComparison.Ordinal) || name.Contains(".mlp.", StringComparison.Ordinal));
            if (linear && p.dim() == 2) nn.init.normal_(p, 0, 0.02);
            else if (linear && p.dim() == 1) nn.init.zeros_(p);
        }
    }

    /// <summary>
    /// Parameters AdamW must not decay (timm/DINOv2 convention): every 1-D parameter (biases, norm weights,
    /// LayerScale gammas) and the learned tokens and positions. Decaying LayerScale gammas pulls a small ViT back to identity.
    /// </summary>
    public static bool ExcludedFromWeightDecay(string name, Tensor parameter) =>
        parameter.dim() <= 1 || name.EndsWith("cls_token", StringComparison.Ordinal) ||
        name.EndsWith("reg_token", StringComparison.Ordinal) || name.EndsWith("pos_embed", StringComparison.Ordinal);

    public int Width => Config.Width;
    public int Stride => Config.PatchSize;

    /// <summary>DINOv2 was trained on ImageNet-normalised RGB in [0, 1].</summary>
    public Tensor Normalize(Tensor rgb01) => ImageNetNormalization.Apply(rgb01);

    public long ForwardFlops(int h, int w) => Config.ForwardFlops(h, w);

    /// <summary>The last weight matrix of the encoder, where the paper measures gradient norms for L_sp.</summary>
    public Parameter LastLayerWeight => blocks[^1].get_parameter("mlp.fc2.weight")
        ?? throw new InvalidOperationException("Last block has no mlp.fc2.weight.");

    /// <summary>All tokens after the final norm: [N, 1 + R + h·w, D].</summary>
    public override Tensor forward(Tensor images)
    {
        int h = (int)(images.shape[2] / Config.PatchSize), w = (int)(images.shape[3] / Config.PatchSize);
        var x = patch_embed.forward(images);
        long n = x.shape[0];
        var positions = PositionsFor(h, w);
        var cls = cls_token.expand(n, -1, -1);
        if (Config.ClassTokenHasPosition)
        {
            cls = cls.Plus(positions.narrow(1, 0, 1));
            positions = positions.narrow(1, 1, (long)h * w);
        }
        var tokens = new List<Tensor> { cls };
        if (reg_token is not null) tokens.Add(reg_token.expand(n, -1, -1));
        tokens.Add(x.Plus(positions));
        x = cat(tokens, 1);
        foreach (var block in blocks) x = block.forward(x);
        return norm.forward(x);
    }

    /// <summary>Patch tokens as a feature map [N, D, H/p, W/p] (the grid the adapter maps to latents).</summary>
    public Tensor PatchFeatures(Tensor images)
    {
        long h = images.shape[2] / Config.PatchSize, w = images.shape[3] / Config.PatchSize;
        var tokens = forward(images).narrow(1, Config.PrefixTokens, h * w);
        return tokens.transpose(1, 2).reshape(images.shape[0], Config.Width, h, w);
    }

    /// <summary>The class token after the final norm: [N, D] (what a linear probe on the encoder reads).</summary>
    public Tensor ClassToken(Tensor images) => forward(images).select(1, 0);

    private Tensor PositionsFor(int h, int w) =>
        PositionEmbedding.Resample(pos_embed, Config.PretrainGrid, Config.PretrainGrid, h, w,
            Config.ClassTokenHasPosition ? 1 : 0);
}
