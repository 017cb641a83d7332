using TorchSharp;
using TorchSharp.Modules;
using T2I.Core.Nn;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>
/// The spatial components z_s^(i) (§3.3, App. B.3): the expanded latent re-laid at each of the first blocks' resolutions —
/// pixel-unshuffle for half the latent grid, as is at the grid, pixel-shuffle ×2 and ×4 above it — each followed by
/// 3×3 conv, GroupNorm, GELU and 1×1 conv to the block's mapped width.
/// </summary>
public sealed class SpatialBranch : nn.Module<Tensor, Tensor[]>
{
    private readonly ModuleList<Sequential> maps;

    public SpatialBranch(VfmVaeConfig config) : base(nameof(SpatialBranch))
    {
        int d = config.DecompressDim;
        maps = nn.ModuleList(config.MappedDims.Select((m, i) =>
        {
            int r = Factor(i);
            int channels = r < 0 ? d * r * r : d / (r * r);
            return nn.Sequential(nn.Conv2d(channels, m, 3, padding: 1), GroupNorms.Create(config.NormGroups, m), nn.GELU(),
                nn.Conv2d(m, m, 1));
        }).ToArray());
        RegisterComponents();
    }

    /// <summary>Block i works at 2^(i−1) × the latent grid: −2 = unshuffle by 2, 1 = as is, 2 and 4 = shuffle.</summary>
    private static int Factor(int block) => block == 0 ? -2 : 1 << (block - 1);

    /// <summary>Odd latent grids (aspect buckets such as 3×5) are edge-padded before halving; block 2 crops back.</summary>
    private static Tensor PadToEven(Tensor x) => x.shape[2] % 2 == 0 && x.shape[3] % 2 == 0 ? x
        : nn.functional.pad(x, new long[] { 0, x.shape[3] % 2, 0, x.shape[2] % 2 }, PaddingModes.Replicate);

    public override Tensor[] forward(Tensor expanded)
    {
        using var scope = NewDisposeScope();
        var outputs = maps.Select((map, i) =>
        {
            int r = Factor(i);
            var x = r < 0 ? nn.functional.pixel_unshuffle(PadToEven(expanded), -r)
                : r == 1 ? expanded : nn.functional.pixel_shuffle(expanded, r);
            return map.forward(x).MoveToOuterDisposeScope();
        }).ToArray();
        return outputs;
    }
}
