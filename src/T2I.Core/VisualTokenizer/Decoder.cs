using T2I.Core.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// The decoder D (VA-VAE / LDM): latents [N, d, h, w] → images [N, 3, h·f, w·f]. Parameter names follow the
/// LDM checkpoints (<c>conv_in</c>, <c>mid.*</c>, <c>up.i.block.j.*</c>, <c>up.i.attn.j.*</c>,
/// <c>up.i.upsample.conv</c>, <c>norm_out</c>, <c>conv_out</c>); <c>up</c> is indexed by level, level 0 = full size.
/// </summary>
public sealed class Decoder : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv_in;
    private readonly DecoderMid mid;
    private readonly ModuleList<DecoderLevel> up;
    private readonly GroupNorm norm_out;
    private readonly Conv2d conv_out;

    public DecoderConfig Config { get; }

    public Decoder(DecoderConfig config) : base(nameof(Decoder))
    {
        OneDnnWorkaround.Apply();
        Config = config;
        int blockIn = config.ChannelsAt(config.Levels - 1);
        conv_in = nn.Conv2d(config.LatentChannels, blockIn, 3, padding: 1);
        mid = new DecoderMid(blockIn, config.NormGroups);
        var levels = new DecoderLevel[config.Levels];
        for (int level = config.Levels - 1; level >= 0; level--)
        {
            int blockOut = config.ChannelsAt(level);
            levels[level] = new DecoderLevel(blockIn, blockOut, config.ResBlocksPerLevel + 1,
                config.AttentionLevels.Contains(level), withUpsample: level != 0, config.NormGroups);
            blockIn = blockOut;
        }
        up = new ModuleList<DecoderLevel>(levels);
        norm_out = GroupNorms.Create(config.NormGroups, blockIn, DecoderConfig.NormEps);
        conv_out = nn.Conv2d(blockIn, config.OutChannels, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>The last layer's weight: where the adaptive GAN weight compares gradient norms.</summary>
    public Parameter LastLayerWeight => conv_out.weight!;

    public override Tensor forward(Tensor latents)
    {
        var h = mid.forward(OneDnnConv2d.Forward(conv_in, latents));
        for (int level = Config.Levels - 1; level >= 0; level--) h = up[level].forward(h);
        return OneDnnConv2d.Forward(conv_out, ResnetBlock.Swish(norm_out.forward(h)));
    }
}
