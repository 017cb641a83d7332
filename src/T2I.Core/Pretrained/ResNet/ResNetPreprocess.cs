using TorchSharp;
using T2I.Core.TorchSharpFixes;
using T2I.Core.Pretrained.Onnx;
using static TorchSharp.torch;

namespace T2I.Core.Pretrained.ResNet;

/// <summary>
/// The CNTK ResNet's input convention, read from the package's <c>ResNetPreprocess.onnx</c>: channels reversed to
/// BGR, values 0–255, minus a 224×224 per-pixel mean image. ImageNet mean/std instead of this would feed the
/// weights inputs they never saw. Other sizes take the mean image area-resampled to theirs.
/// </summary>
public sealed class ResNetPreprocess : IDisposable
{
    private readonly Tensor meanImage;

    public ResNetPreprocess(Tensor meanImageBgr)
    {
        if (meanImageBgr.ndim != 4 || meanImageBgr.shape[1] != 3)
            throw new ArgumentException("The mean image must be [1, 3, H, W].", nameof(meanImageBgr));
        meanImage = meanImageBgr.detach().clone();
    }

    public static ResNetPreprocess FromPackage() => FromOnnx(OnnxGraph.Load(PretrainedPackages.ResNetPreprocessOnnx));

    public static ResNetPreprocess FromOnnx(OnnxGraph graph)
    {
        var sub = graph.Nodes.SingleOrDefault(n => n.OpType == "Sub")
            ?? throw new InvalidDataException("ResNet preprocessing graph has no Sub of a mean image.");
        var mean = graph.Tensor(sub.Inputs[1]);
        return new ResNetPreprocess(tensor(mean.RequireFloats(), mean.Dims));
    }

    /// <summary>The 224×224 BGR mean image [1, 3, 224, 224].</summary>
    public Tensor MeanImage => meanImage;

    /// <summary>RGB images in [0, 1], [N, 3, H, W] → the network's input on the same device.</summary>
    public Tensor Apply(Tensor rgb01) => Apply(rgb01, meanImage);

    /// <inheritdoc cref="Apply(Tensor)"/>
    public static Tensor Apply(Tensor rgb01, Tensor meanImage)
    {
        using var scope = NewDisposeScope();
        var bgr = rgb01.flip(1).Times(255);
        var mean = meanImage.to(rgb01.dtype, rgb01.device);
        if (mean.shape[2] != rgb01.shape[2] || mean.shape[3] != rgb01.shape[3])
            mean = nn.functional.interpolate(mean, new[] { rgb01.shape[2], rgb01.shape[3] }, mode: InterpolationMode.Area);
        return (bgr - mean).MoveToOuterDisposeScope();
    }

    public void Dispose() => meanImage.Dispose();
}
