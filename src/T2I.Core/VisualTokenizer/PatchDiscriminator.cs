using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

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
    private const double NegativeSlope = 0.2;
    private readonly Sequential main;

    public PatchDiscriminator(PatchDiscriminatorConfig config) : base(nameof(PatchDiscriminator))
    {
        OneDnnWorkaround.Apply();
        var layers = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Conv2d(config.InChannels, config.BaseChannels, 4, stride: 2, padding: 1),
            nn.LeakyReLU(NegativeSlope),
        };
        int mult = 1;
        for (int n = 1; n <= config.Layers; n++)
        {
            int prev = mult;
            mult = Math.Min(1 << n, 8);
            int stride = n < config.Layers ? 2 : 1; // the last intermediate layer keeps the resolution
            layers.Add(nn.Conv2d(config.BaseChannels * prev, config.BaseChannels * mult, 4, stride: stride, padding: 1, bias: false));
            layers.Add(nn.BatchNorm2d(config.BaseChannels * mult));
            layers.Add(nn.LeakyReLU(NegativeSlope));
        }
        layers.Add(nn.Conv2d(config.BaseChannels * mult, 1, 4, stride: 1, padding: 1));
        main = nn.Sequential(layers.ToArray());
        RegisterComponents();
        InitLikeDcgan();
    }

    /// <summary>
    /// main's layers in order, but LeakyReLU and BatchNorm through ScalarSafe: TorchSharp's modules create temporary
    /// Scalars on every call (the slope; BatchNorm's <c>num_batches_tracked.add_(1)</c>), which a GC on another thread
    /// can free while libtorch reads them.
    /// </summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var x = images;
        foreach (var layer in main.children())
        {
            x = layer switch
            {
                LeakyReLU => x.LeakyRelu(NegativeSlope),
                BatchNorm2d bn => BatchNorm(bn, x),
                nn.Module<Tensor, Tensor> m => m.forward(x),
                _ => throw new InvalidOperationException($"Unexpected layer {layer.GetName()}."),
            };
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>TorchSharp 0.107's BatchNorm.forward, with the step counter incremented by a rooted Scalar.</summary>
    private static Tensor BatchNorm(BatchNorm2d bn, Tensor x)
    {
        if (x.dim() != 4) throw new ArgumentException($"BatchNorm2d expects 4-D input, got {x.dim()}-D.");
        double factor = bn.momentum ?? 0.0;
        if (bn.training && bn.track_running_stats && bn.num_batches_tracked is not null)
        {
            bn.num_batches_tracked.Increment();
            if (bn.momentum is null) factor = 1.0 / bn.num_batches_tracked.item<long>();
        }
        bool useBatchStatistics = bn.training || (bn.running_mean is null && bn.running_var is null);
        bool useRunning = !bn.training || bn.track_running_stats;
        return nn.functional.batch_norm(x, useRunning ? bn.running_mean : null, useRunning ? bn.running_var : null,
            bn.weight, bn.bias, useBatchStatistics, factor, bn.eps);
    }

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
