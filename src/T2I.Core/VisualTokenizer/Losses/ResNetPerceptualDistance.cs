using TorchSharp;
using T2I.Core.Pretrained.ResNet;
using T2I.Core.TorchSharpFixes;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.Losses;

/// <summary>
/// An LPIPS-style distance over the frozen ImageNet ResNet-18's stages 1–3: each stage's features unit-normalised over
/// channels, squared differences summed over channels, averaged over space, summed over stages. Every channel weighs
/// the same — this is NOT calibrated LPIPS (no learned per-channel weights, no human-judgement fit); it is a perceptual
/// training term built from the pretrained features we have, with values on its own scale.
/// </summary>
public sealed class ResNetPerceptualDistance : nn.Module<Tensor, Tensor, Tensor>
{
    public const int Stages = 3;

    private readonly ResNet18 resnet;
#pragma warning disable IDE1006 // state-dict key
    private readonly Tensor mean_image;
#pragma warning restore IDE1006

    private ResNetPerceptualDistance(ResNet18 resnet, Tensor meanImage) : base(nameof(ResNetPerceptualDistance))
    {
        this.resnet = resnet;
        mean_image = meanImage.detach().clone();
        register_buffer(nameof(mean_image), mean_image);
        RegisterComponents();
        foreach (var p in parameters()) p.requires_grad = false;
        eval();
    }

    public static ResNetPerceptualDistance FromPackage()
    {
        using var preprocess = ResNetPreprocess.FromPackage();
        return new ResNetPerceptualDistance(ResNet18Weights.FromPackage(), preprocess.MeanImage);
    }

    /// <summary>For tests: any weights (the arithmetic does not depend on them).</summary>
    internal static ResNetPerceptualDistance WithWeights(ResNet18 resnet, Tensor meanImage) => new(resnet, meanImage);

    /// <summary>Per-image distance [N,1,1,1] between images in [-1, 1]; gradients flow to the inputs.</summary>
    public override Tensor forward(Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var fx = resnet.Stages(Input(x), Stages);
        var fy = resnet.Stages(Input(y), Stages);
        var total = zeros(x.shape[0], 1, 1, 1, dtype: x.dtype, device: x.device);
        for (int i = 0; i < Stages; i++)
        {
            var d = (UnitNormalize(fx[i]) - UnitNormalize(fy[i])).Square().sum(1, keepdim: true);
            total = total.Plus(d.mean(new long[] { 2, 3 }, keepdim: true));
        }
        return total.MoveToOuterDisposeScope();
    }

    private Tensor Input(Tensor images) => ResNetPreprocess.Apply(images.OnePlus().DividedBy(2), mean_image);

    private static Tensor UnitNormalize(Tensor f) => f / f.Square().sum(1, keepdim: true).Plus(1e-10).sqrt();

    public override void train(bool on = true) => base.train(false); // a frozen measure, never in training mode
}
