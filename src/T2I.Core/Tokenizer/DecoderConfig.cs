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
    public long ParameterCount()
    {
        static long Conv(long cin, long cout, long k) => cin * cout * k * k + cout;
        static long Norm(long c) => 2 * c;
        static long Res(long cin, long cout) =>
            Norm(cin) + Conv(cin, cout, 3) + Norm(cout) + Conv(cout, cout, 3) + (cin != cout ? Conv(cin, cout, 1) : 0);
        static long Attn(long c) => Norm(c) + 4 * Conv(c, c, 1);

        long blockIn = ChannelsAt(Levels - 1);
        long total = Conv(LatentChannels, blockIn, 3) + Res(blockIn, blockIn) + Attn(blockIn) + Res(blockIn, blockIn);
        for (int level = Levels - 1; level >= 0; level--)
        {
            long blockOut = ChannelsAt(level);
            for (int i = 0; i < ResBlocksPerLevel + 1; i++)
            {
                total += Res(blockIn, blockOut);
                blockIn = blockOut;
                if (AttentionLevels.Contains(level)) total += Attn(blockIn);
            }
            if (level != 0) total += Conv(blockIn, blockIn, 3);
        }
        return total + Norm(blockIn) + Conv(blockIn, OutChannels, 3);
    }

    /// <summary>
    /// Multiply-add FLOPs (2 per MAC) of one forward pass for a latent grid h×w: convolutions and attention matmuls,
    /// the work that dominates; norms and activations are left out. Mirrors <see cref="ParameterCount"/>'s walk.
    /// </summary>
    public long ForwardFlops(int h, int w)
    {
        long pixels = (long)h * w;
        long Conv(long cin, long cout, long k) => 2 * cin * cout * k * k * pixels;
        long Res(long cin, long cout) => Conv(cin, cout, 3) + Conv(cout, cout, 3) + (cin != cout ? Conv(cin, cout, 1) : 0);
        long Attn(long c) => 4 * Conv(c, c, 1) + 2 * 2 * pixels * pixels * c;

        long blockIn = ChannelsAt(Levels - 1);
        long total = Conv(LatentChannels, blockIn, 3) + Res(blockIn, blockIn) + Attn(blockIn) + Res(blockIn, blockIn);
        for (int level = Levels - 1; level >= 0; level--)
        {
            long blockOut = ChannelsAt(level);
            for (int i = 0; i < ResBlocksPerLevel + 1; i++)
            {
                total += Res(blockIn, blockOut);
                blockIn = blockOut;
                if (AttentionLevels.Contains(level)) total += Attn(blockIn);
            }
            if (level != 0) { pixels *= 4; total += Conv(blockIn, blockIn, 3); } // upsample conv runs at the doubled size
        }
        return total + Conv(blockIn, OutChannels, 3);
    }

    // Records compare arrays by reference; configs are compared by value when checkpoints are loaded.
    public bool Equals(DecoderConfig? other) => other is not null && LatentChannels == other.LatentChannels &&
        BaseChannels == other.BaseChannels && ChannelMultipliers.SequenceEqual(other.ChannelMultipliers) &&
        ResBlocksPerLevel == other.ResBlocksPerLevel && AttentionLevels.SequenceEqual(other.AttentionLevels) &&
        NormGroups == other.NormGroups && OutChannels == other.OutChannels;

    public override int GetHashCode() => HashCode.Combine(LatentChannels, BaseChannels, Levels, ResBlocksPerLevel, NormGroups);
}
