using T2I.Core.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer.Baseline;

/// <summary>
/// The LDM convolutional encoder, the mirror of <see cref="Decoder"/> under the same <see cref="DecoderConfig"/>:
/// images [N, 3, H, W] → moments [N, 2·d, H/f, W/f] (mean and log-variance, LDM's double_z). Names as LDM:
/// <c>conv_in</c>, <c>down.i.block.j</c>, <c>down.i.attn.j</c>, <c>down.i.downsample.conv</c>, <c>mid.*</c>,
/// <c>norm_out</c>, <c>conv_out</c>; level 0 = full size, as in the decoder.
/// </summary>
public sealed class ConvEncoder : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv_in;
    private readonly ModuleList<EncoderLevel> down;
    private readonly DecoderMid mid; // the same resnet–attention–resnet middle the decoder has
    private readonly GroupNorm norm_out;
    private readonly Conv2d conv_out;

    public ConvEncoder(DecoderConfig config) : base(nameof(ConvEncoder))
    {
        OneDnnWorkaround.Apply();
        int blockIn = config.ChannelsAt(0);
        conv_in = nn.Conv2d(config.OutChannels, blockIn, 3, padding: 1);
        var levels = new EncoderLevel[config.Levels];
        for (int level = 0; level < config.Levels; level++)
        {
            int blockOut = config.ChannelsAt(level);
            // LDM's encoder has num_res_blocks per level; the decoder one more.
            levels[level] = new EncoderLevel(blockIn, blockOut, KlVaeConfig.EncoderBlocksPerLevel(config),
                config.AttentionLevels.Contains(level), withDownsample: level != config.Levels - 1, config.NormGroups);
            blockIn = blockOut;
        }
        down = new ModuleList<EncoderLevel>(levels);
        mid = new DecoderMid(blockIn, config.NormGroups);
        norm_out = GroupNorms.Create(config.NormGroups, blockIn, DecoderConfig.NormEps);
        conv_out = nn.Conv2d(blockIn, 2 * config.LatentChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor images)
    {
        var h = conv_in.forward(images);
        foreach (var level in down) h = level.forward(h);
        h = mid.forward(h);
        return conv_out.forward(ResnetBlock.Swish(norm_out.forward(h)));
    }
}
