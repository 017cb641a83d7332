using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// The pretrained encoder E_p the tokenizer aligns: a feature map whose cells are the latent grid. The tokenizer
/// resizes each image to grid × <see cref="Stride"/> pixels, puts it in the encoder's own input convention
/// (<see cref="Normalize"/>), and maps the <see cref="Width"/>-channel features to latents with the adapter.
/// Implementations: <see cref="VisionTransformer"/> (DINOv2-style ViT), <see cref="ResNetPatchEncoder"/> (ImageNet ResNet-18).
/// </summary>
public interface IPatchEncoder
{
    /// <summary>Channels of <see cref="PatchFeatures"/>.</summary>
    int Width { get; }

    /// <summary>Input pixels per feature cell (ViT: patch size; ResNet: the stage's downsampling).</summary>
    int Stride { get; }

    /// <summary>RGB in [0, 1] → the input the weights were trained on.</summary>
    Tensor Normalize(Tensor rgb01);

    /// <summary>[N, 3, h·Stride, w·Stride] normalised input → [N, Width, h, w].</summary>
    Tensor PatchFeatures(Tensor input);

    /// <summary>The last weight of the encoder, where the paper measures gradient norms for L_sp's adaptive weight.</summary>
    Parameter LastLayerWeight { get; }

    /// <summary>Multiply-add FLOPs ×2 of one forward pass over an h×w feature grid.</summary>
    long ForwardFlops(int h, int w);
}
