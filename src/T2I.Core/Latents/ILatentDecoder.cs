using static TorchSharp.torch;

namespace T2I.Core.Latents;

/// <summary>
/// Latents → pixels: [N, LatentChannels, h, w] → [N, 3, Downsample·h, Downsample·w] in [-1, 1], on the
/// latents' device. The aligned tokenizer's CNN decoder implements it (d = 32, f = 16).
/// </summary>
public interface ILatentDecoder
{
    int LatentChannels { get; }
    int Downsample { get; }
    Tensor Decode(Tensor latents);
}
