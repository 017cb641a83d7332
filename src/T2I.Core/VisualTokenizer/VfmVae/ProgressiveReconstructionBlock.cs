using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>
/// One octave of the decoder (eqs. 4 and 6). Input: the previous block's features upsampled, concatenated with the spatial
/// latent at this resolution when this is one of the first blocks (a 1×1 convolution fuses them), or the spatial latent
/// alone for block 1. Then a modulated ConvNeXt block, self-attention at the low resolutions, and this scale's image
/// x̂_i = ToRGB_i(h_i + Upsample(h_{i−1}), z_g) — the feature-space residual. Eq. 4 upsamples after the concatenation and
/// Table 9 lists the spatial latents at the blocks' own resolutions; we concatenate at the block's resolution, which
/// keeps both.
/// </summary>
public sealed class ProgressiveReconstructionBlock : nn.Module
{
    private readonly UpsamplingUnit? up;
    private readonly Conv2d? fuse;
    private readonly ModulatedConvNeXtBlock convnext;
    private readonly AttnBlock? attn;
    private readonly UpsamplingUnit? rgb_up;
    private readonly ToRgb to_rgb;

    public ProgressiveReconstructionBlock(VfmVaeConfig config, int index) : base(nameof(ProgressiveReconstructionBlock))
    {
        int c = config.BlockChannels[index], style = config.StyleDim;
        int? mapped = index < config.MappedDims.Length ? config.MappedDims[index] : null;
        if (index > 0)
        {
            int previous = config.BlockChannels[index - 1];
            up = new UpsamplingUnit(previous, c, config.NormGroups);
            rgb_up = new UpsamplingUnit(previous, c, config.NormGroups);
        }
        if (mapped is { } m) fuse = nn.Conv2d((index > 0 ? c : 0) + m, c, 1);
        convnext = new ModulatedConvNeXtBlock(c, style);
        if (index < config.AttentionBlocks) attn = new AttnBlock(c, config.NormGroups);
        to_rgb = new ToRgb(c, style);
        RegisterComponents();
    }

    public ToRgb Rgb => to_rgb;

    /// <returns>This block's features h_i and image x̂_i.</returns>
    public (Tensor Features, Tensor Image) forward(Tensor? previous, Tensor? spatial, Tensor style)
    {
        using var scope = NewDisposeScope();
        Tensor x = previous is null ? spatial ?? throw new ArgumentException("Block 1 needs the spatial latent.")
            : CropTo(up!.forward(previous), spatial);
        if (fuse is not null)
            x = fuse.forward(previous is null ? x : cat([x, spatial ?? throw new ArgumentException("This block needs z_s.")], 1));
        var h = convnext.forward(x, style);
        if (attn is not null) h = attn.forward(h);
        var image = to_rgb.forward(previous is null ? h : h.Plus(CropTo(rgb_up!.forward(previous), h)), style);
        return (h.MoveToOuterDisposeScope(), image.MoveToOuterDisposeScope());
    }

    /// <summary>An odd latent grid was padded to halve it, so the octave above it is one row or column too large.</summary>
    private static Tensor CropTo(Tensor x, Tensor? like) =>
        like is null || (x.shape[2] == like.shape[2] && x.shape[3] == like.shape[3]) ? x
            : x.narrow(2, 0, like.shape[2]).narrow(3, 0, like.shape[3]);
}
