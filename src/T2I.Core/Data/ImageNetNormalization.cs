using static TorchSharp.torch;

namespace T2I.Core.Data;

/// <summary>The per-channel mean and std of ImageNet RGB that DINOv2, CLIP-style ViTs and timm models expect.</summary>
public static class ImageNetNormalization
{
    public static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    /// <summary>(x − mean) / std for RGB images [N, 3, H, W] in [0, 1].</summary>
    public static Tensor Apply(Tensor rgb01)
    {
        using var scope = NewDisposeScope();
        var mean = tensor(Mean, device: rgb01.device).view(1, 3, 1, 1);
        var std = tensor(Std, device: rgb01.device).view(1, 3, 1, 1);
        return ((rgb01 - mean) / std).MoveToOuterDisposeScope();
    }
}
