namespace T2I.Core.VisualTokenizer;

/// <summary>
/// The VA-VAE / LDM convolutional decoder. <see cref="ChannelMultipliers"/> has one entry per resolution level
/// (f = 2^(levels−1)); <see cref="AttentionLevels"/> are level indices with self-attention (the paper: the
/// 16-px level of a 256 image = the lowest level, index 4).
/// </summary>
public sealed record DecoderConfig(
    int LatentChannels,
    int BaseChannels,
    int[] ChannelMultipliers,
    int ResBlocksPerLevel,
    int[] AttentionLevels,
    int NormGroups = 32,
    int OutChannels = 3)
{
    public const double NormEps = 1e-6;

    public static DecoderConfig Paper(int latentChannels = 32) =>
        new(latentChannels, 128, new[] { 1, 1, 2, 2, 4 }, 2, new[] { 4 });

    /// <summary>
    /// Same f = 16 structure, CPU-sized: one residual block per level (the full-size levels carry most of the
    /// FLOPs, and libtorch's non-oneDNN CPU convolution reaches only a few GFLOP/s there), wider at 8×8.
    /// </summary>
    public static DecoderConfig Tiny(int latentChannels = 32) =>
        new(latentChannels, 16, new[] { 1, 1, 2, 2, 4 }, 0, new[] { 4 }, NormGroups: 8);

    public int Levels => ChannelMultipliers.Length;
    public int DownsamplingFactor => 1 << (Levels - 1);
    public int ChannelsAt(int level) => BaseChannels * ChannelMultipliers[level];

    /// <summary>Parameter count by formula (verified against an allocated decoder in the tests).</summary>
    public long ParameterCount() => Layers().Sum(l => l.Kind switch
    {
        LayerKind.Conv3 => l.In * l.Out * 9 + l.Out,
        LayerKind.Res => 2 * l.In + l.In * l.Out * 9 + l.Out + 2 * l.Out + l.Out * l.Out * 9 + l.Out + (l.In != l.Out
            ? l.In * l.Out + l.Out : 0),
        LayerKind.Attn => 2 * l.In + 4 * (l.In * l.In + l.In),
        _ => 2 * l.In, // GroupNorm
    });

    /// <summary>
    /// Multiply-add FLOPs (2 per MAC) of one forward pass for a latent grid h×w: convolutions and attention matmuls,
    /// the work that dominates; norms and activations are left out. Walks the same layers as <see cref="ParameterCount"/>.
    /// </summary>
    public long ForwardFlops(int h, int w) => Layers().Sum(l =>
    {
        long pixels = (long)h * w * l.Scale * l.Scale;
        long Conv(long cin, long cout, long k) => 2 * cin * cout * k * k * pixels;
        return l.Kind switch
        {
            LayerKind.Conv3 => Conv(l.In, l.Out, 3),
            LayerKind.Res => Conv(l.In, l.Out, 3) + Conv(l.Out, l.Out, 3) + (l.In != l.Out ? Conv(l.In, l.Out, 1) : 0),
            LayerKind.Attn => 4 * Conv(l.In, l.In, 1) + 2 * 2 * pixels * pixels * l.In,
            _ => 0,
        };
    });

    private enum LayerKind { Conv3, Res, Attn, Norm }

    /// <summary>The decoder's layers in forward order, with the upsampling factor each one runs at.</summary>
    private IEnumerable<(LayerKind Kind, long In, long Out, int Scale)> Layers()
    {
        long blockIn = ChannelsAt(Levels - 1);
        int scale = 1;
        yield return (LayerKind.Conv3, LatentChannels, blockIn, scale);
        yield return (LayerKind.Res, blockIn, blockIn, scale);
        yield return (LayerKind.Attn, blockIn, blockIn, scale);
        yield return (LayerKind.Res, blockIn, blockIn, scale);
        for (int level = Levels - 1; level >= 0; level--)
        {
            long blockOut = ChannelsAt(level);
            for (int i = 0; i < ResBlocksPerLevel + 1; i++)
            {
                yield return (LayerKind.Res, blockIn, blockOut, scale);
                blockIn = blockOut;
                if (AttentionLevels.Contains(level)) yield return (LayerKind.Attn, blockIn, blockIn, scale);
            }
            if (level != 0)
            {
                scale *= 2; yield return (LayerKind.Conv3, blockIn, blockIn,
                scale);
            } // upsample conv runs at the doubled size
        }
        yield return (LayerKind.Norm, blockIn, blockIn, scale);
        yield return (LayerKind.Conv3, blockIn, OutChannels, scale);
    }

    // Records compare arrays by reference; configs are compared by value when checkpoints are loaded.
    public bool Equals(DecoderConfig? other) => other is not null && LatentChannels == other.LatentChannels &&
        BaseChannels == other.BaseChannels && ChannelMultipliers.SequenceEqual(other.ChannelMultipliers) &&
        ResBlocksPerLevel == other.ResBlocksPerLevel && AttentionLevels.SequenceEqual(other.AttentionLevels) &&
        NormGroups == other.NormGroups && OutChannels == other.OutChannels;

    public override int GetHashCode() => HashCode.Combine(LatentChannels, BaseChannels, Levels, ResBlocksPerLevel, NormGroups);
}
