using TorchSharp;
using TorchSharp.Modules;
using T2I.Core.VisualTokenizer.Baseline;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>
/// C of eq. 2: each VFM layer is projected by a 1×1 convolution ("in dims → out dims"), shuffled to the latent grid
/// (pixel-unshuffle when finer, pixel-shuffle when coarser; App. B.1), concatenated over channels and passed once through
/// an <see cref="AttentionProjection"/> to the moments (μ, log σ²) of the diagonal Gaussian posterior.
/// </summary>
public sealed class LatentProjection : nn.Module<Tensor[], Tensor>
{
    private readonly ModuleList<Conv2d> layer_proj;
    private readonly AttentionProjection attn_proj;
    private readonly int[] ratios; // layer stride / latent stride: < 1 finer than the latent grid

    public LatentProjection(VfmVaeConfig config, IReadOnlyList<int> channels, IReadOnlyList<int> strides)
        : base(nameof(LatentProjection))
    {
        layer_proj = nn.ModuleList(channels.Select((c, i) => nn.Conv2d(c, config.FeatureDims[i], 1)).ToArray());
        ratios = strides.Select(s => s <= config.Downsampling ? -(config.Downsampling / s) : s / config.Downsampling).ToArray();
        int concat = 0;
        for (int i = 0; i < channels.Count; i++)
        {
            int r = Math.Abs(ratios[i]);
            concat += ratios[i] < 0 ? config.FeatureDims[i] * r * r : config.FeatureDims[i] / (r * r);
        }
        ConcatDim = concat;
        attn_proj = new AttentionProjection(concat, 2 * config.LatentChannels,
            AttentionProjection.HeadsFor(concat, config.ProjectionHeads));
        RegisterComponents();
    }

    /// <summary>Width of the concatenated tokens entering the projection.</summary>
    public int ConcatDim { get; }

    public Parameter LastLayerWeight => attn_proj.LastLayerWeight;

    /// <summary>VFM layers → posterior moments [N, 2d, h, w].</summary>
    public override Tensor forward(Tensor[] features)
    {
        using var scope = NewDisposeScope();
        var shuffled = features.Select((f, i) => Shuffle(layer_proj[i].forward(f), ratios[i])).ToArray();
        long h = shuffled[0].shape[2], w = shuffled[0].shape[3];
        var tokens = AttentionProjection.Tokens(cat(shuffled, 1));
        return AttentionProjection.Map(attn_proj.forward(tokens), h, w).MoveToOuterDisposeScope();
    }

    public DiagonalGaussian Posterior(Tensor[] features) => new(forward(features));

    private static Tensor Shuffle(Tensor x, int ratio) => ratio switch
    {
        -1 or 1 => x,
        < 0 => nn.functional.pixel_unshuffle(x, -ratio),
        _ => nn.functional.pixel_shuffle(x, ratio),
    };
}
