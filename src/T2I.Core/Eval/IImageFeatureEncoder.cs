using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>One feature vector per image, for distribution metrics (<see cref="FrechetDistance"/>).</summary>
public interface IImageFeatureEncoder
{
    /// <summary>Short name reported with the figure, e.g. "dinov2", "clip-vision".</summary>
    string Name { get; }

    int FeatureDim { get; }

    /// <summary>Images [N, 3, H, W] in [-1, 1], any size → features [N, FeatureDim], no gradients.</summary>
    Tensor Features(Tensor images);
}
