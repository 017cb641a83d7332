using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.Baseline;

/// <summary>One resolution level of the LDM encoder (<c>down.i</c>): residual blocks, optional attention after each, ×½
/// downsample.</summary>
public sealed class EncoderLevel : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ResnetBlock> block;
    private readonly ModuleList<AttnBlock> attn;
    private readonly Downsample? downsample;

    public EncoderLevel(int inChannels, int outChannels, int blocks, bool withAttention, bool withDownsample, int groups)
        : base(nameof(EncoderLevel))
    {
        block = new ModuleList<ResnetBlock>(Enumerable.Range(0, blocks)
            .Select(i => new ResnetBlock(i == 0 ? inChannels : outChannels, outChannels, groups)).ToArray());
        attn = new ModuleList<AttnBlock>(withAttention
            ? Enumerable.Range(0, blocks).Select(_ => new AttnBlock(outChannels, groups)).ToArray()
            : Array.Empty<AttnBlock>());
        if (withDownsample) downsample = new Downsample(outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        for (int i = 0; i < block.Count; i++)
        {
            x = block[i].forward(x);
            if (attn.Count > 0) x = attn[i].forward(x);
        }
        return downsample?.forward(x) ?? x;
    }
}
