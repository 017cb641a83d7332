using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Latents;

/// <summary>
/// Images ↔ latents. <see cref="Encode"/>: images [N, 3, H, W] in [-1, 1], H and W multiples of
/// <see cref="ILatentDecoder.Downsample"/> (16) → latents [N, LatentChannels, H/16, W/16] on the images' device;
/// <see cref="ILatentDecoder.Decode"/> the way back. Raw latents: the DiT trainer normalises them per channel
/// (<see cref="LatentNormalization"/>), so a codec need not scale its own.
/// Open one from a folder with <see cref="LatentCodecs.Open(string, Device?)"/>.
/// </summary>
public interface ILatentCodec : ILatentDecoder
{
    Tensor Encode(Tensor images);
}

/// <summary>
/// A codec with trained weights. The DiT trainer copies <see cref="Weights"/> into every T2I checkpoint as
/// <c>codec.safetensors</c> (the module's own state-dict names) and its <see cref="LatentCodecs.Describe"/>
/// source into <c>model_config.codec</c>, so a T2I checkpoint folder is self-contained. A codec that is itself an
/// <c>nn.Module</c> need not implement this: the module is its weights.
/// </summary>
public interface ITrainedLatentCodec : ILatentCodec
{
    nn.Module Weights { get; }
}
