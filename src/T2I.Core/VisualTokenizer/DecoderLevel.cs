using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer;

/// <summary>One resolution level of the decoder (<c>up.i</c>): residual blocks, optional attention after each, ×2 upsample.</summary>
public sealed class DecoderLevel : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ResnetBlock> block;
    private readonly ModuleList<AttnBlock> attn;
    private readonly Upsample? upsample;

    public DecoderLevel(int inChannels, int outChannels, int blocks, bool withAttention, bool withUpsample, int groups)
        : base(nameof(DecoderLevel))
    {
        block = new ModuleList<ResnetBlock>(Enumerable.Range(0, blocks)
            .Select(i => new ResnetBlock(i == 0 ? inChannels : outChannels, outChannels, groups)).ToArray());
        attn = new ModuleList<AttnBlock>(withAttention
            ? Enumerable.Range(0, blocks).Select(_ => new AttnBlock(outChannels, groups)).ToArray()
            : Array.Empty<AttnBlock>());
        if (withUpsample) upsample = new Upsample(outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        for (int i = 0; i < block.Count; i++)
        {
            x = block[i].forward(x);
            if (attn.Count > 0) x = attn[i].forward(x);
        }
        return upsample?.forward(x) ?? x;
    }
}
