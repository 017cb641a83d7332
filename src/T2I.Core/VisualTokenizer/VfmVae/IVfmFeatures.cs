using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>Φ of the paper: a frozen encoder that returns feature maps from shallow to final, each [N, C_l, H/s_l, W/s_l].</summary>
public interface IVfmFeatures
{
    /// <summary>Channels of each returned layer, shallow first.</summary>
    IReadOnlyList<int> Channels { get; }
    /// <summary>Stride of each returned layer relative to the input image.</summary>
    IReadOnlyList<int> Strides { get; }
    /// <summary>Images [N, 3, H, W] in [-1, 1] → the chosen layers' feature maps.</summary>
    Tensor[] Features(Tensor images);
}
