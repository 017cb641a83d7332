using T2I.Core.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer;

/// <summary>PatchGAN discriminator size: base width <c>ndf</c> and number of strided layers (taming: 64, 3).</summary>
public sealed record PatchDiscriminatorConfig(int BaseChannels = 64, int Layers = 3, int InChannels = 3)
{
    public static PatchDiscriminatorConfig Paper { get; } = new();
    public static PatchDiscriminatorConfig Tiny { get; } = new(16, 2);

    /// <summary>Multiply-add FLOPs of one forward pass on an H×W image (4×4 convs, padding 1).</summary>
    public long ForwardFlops(int height, int width)
    {
        long h = height, w = width, flops = 0;
        long Conv(long cin, long cout, int stride)
        {
            h = (h + 2 - 4) / stride + 1;
            w = (w + 2 - 4) / stride + 1;
            return 2 * cin * cout * 16 * h * w;
        }
        flops += Conv(InChannels, BaseChannels, 2);
        int mult = 1;
        for (int n = 1; n <= Layers; n++)
        {
            int prev = mult;
            mult = Math.Min(1 << n, 8);
            flops += Conv((long)BaseChannels * prev, (long)BaseChannels * mult, n < Layers ? 2 : 1);
        }
        return flops + Conv((long)BaseChannels * mult, 1, 1);
    }
}

/// <summary>
/// taming-transformers' NLayerDiscriminator (pix2pix PatchGAN): 4×4 convs, stride 2 then 1, BatchNorm and
/// LeakyReLU(0.2), one logit per overlapping patch. Names <c>main.N.*</c> as upstream.
/// </summary>
public sealed class PatchDiscriminator : nn.Module<Tensor, Tensor>
{
    private readonly Sequential main;

    public PatchDiscriminator(PatchDiscriminatorConfig config) : base(nameof(PatchDiscriminator))
    {
        OneDnnWorkaround.Apply();
        var layers = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Conv2d(config.InChannels, config.BaseChannels, 4, stride: 2, padding: 1),
            nn.LeakyReLU(0.2),
        };
        int mult = 1;
        for (int n = 1; n <= config.Layers; n++)
        {
            int prev = mult;
            mult = Math.Min(1 << n, 8);
            int stride = n < config.Layers ? 2 : 1; // the last intermediate layer keeps the resolution
            layers.Add(nn.Conv2d(config.BaseChannels * prev, config.BaseChannels * mult, 4, stride: stride, padding: 1, bias: false));
            layers.Add(nn.BatchNorm2d(config.BaseChannels * mult));
            layers.Add(nn.LeakyReLU(0.2));
        }
        layers.Add(nn.Conv2d(config.BaseChannels * mult, 1, 4, stride: 1, padding: 1));
        main = nn.Sequential(layers.ToArray());
        RegisterComponents();
        InitLikeDcgan();
    }

    public override Tensor forward(Tensor images) => main.forward(images);

    /// <summary>taming's weights_init: conv N(0, 0.02); BatchNorm weight N(1, 0.02), bias 0.</summary>
    private void InitLikeDcgan()
    {
        using var _ = no_grad();
        foreach (var (_, m) in main.named_children())
        {
            if (m is Conv2d conv) nn.init.normal_(conv.weight!, 0, 0.02);
            if (m is BatchNorm2d bn) { nn.init.normal_(bn.weight!, 1, 0.02); nn.init.zeros_(bn.bias!); }
        }
    }
}
