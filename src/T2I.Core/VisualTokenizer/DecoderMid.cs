using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer;

/// <summary>The decoder's middle (<c>mid</c>): residual block, attention, residual block at the latent resolution.</summary>
public sealed class DecoderMid : nn.Module<Tensor, Tensor>
{
    private readonly ResnetBlock block_1;
    private readonly AttnBlock attn_1;
    private readonly ResnetBlock block_2;

    public DecoderMid(int channels, int groups) : base(nameof(DecoderMid))
    {
        block_1 = new ResnetBlock(channels, channels, groups);
        attn_1 = new AttnBlock(channels, groups);
        block_2 = new ResnetBlock(channels, channels, groups);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => block_2.forward(attn_1.forward(block_1.forward(x)));
}
