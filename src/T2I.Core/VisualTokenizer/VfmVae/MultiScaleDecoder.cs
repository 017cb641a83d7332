using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>
/// The VFM-VAE decoder: an <see cref="AttentionProjection"/> expands z, its <see cref="GlobalBranch"/> gives the style and
/// its <see cref="SpatialBranch"/> the multi-scale spatial latents (Multi-Scale Latent Fusion), and one
/// <see cref="ProgressiveReconstructionBlock"/> per octave synthesises the image with an output at every scale.
/// </summary>
public sealed class MultiScaleDecoder : nn.Module<Tensor, Tensor[]>
{
    private readonly AttentionProjection decompress;
    private readonly GlobalBranch global_branch;
    private readonly SpatialBranch spatial_branch;
    private readonly ModuleList<ProgressiveReconstructionBlock> blocks;

    public MultiScaleDecoder(VfmVaeConfig config) : base(nameof(MultiScaleDecoder))
    {
        decompress = new AttentionProjection(config.LatentChannels, config.DecompressDim,
            AttentionProjection.HeadsFor(config.LatentChannels, config.ProjectionHeads));
        global_branch = new GlobalBranch(config.DecompressDim, config.StyleDim);
        spatial_branch = new SpatialBranch(config);
        blocks = nn.ModuleList(Enumerable.Range(0, config.BlockCount).Select(i =>
            new ProgressiveReconstructionBlock(config, i)).ToArray());
        RegisterComponents();
    }

    /// <summary>The final ToRGB's weight: where the adaptive GAN weight is measured.</summary>
    public Parameter LastLayerWeight => blocks[^1].Rgb.Weight;

    /// <param name="z">Latents [N, d, h, w].</param>
    /// <returns>x̂_1 … x̂_N, from half the latent grid up to the image.</returns>
    public override Tensor[] forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        long h = z.shape[2], w = z.shape[3];
        var expanded = AttentionProjection.Map(decompress.forward(AttentionProjection.Tokens(z)), h, w);
        var style = global_branch.forward(expanded);
        var spatial = spatial_branch.forward(expanded);
        Tensor? features = null;
        var images = new Tensor[blocks.Count];
        for (int i = 0; i < blocks.Count; i++)
        {
            (features, images[i]) = blocks[i].forward(features, i < spatial.Length ? spatial[i] : null, style);
        }
        foreach (var image in images) image.MoveToOuterDisposeScope();
        return images;
    }
}
