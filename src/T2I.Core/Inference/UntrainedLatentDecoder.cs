using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;
using T2I.Core.Latents;

namespace T2I.Core.Inference;

/// <summary>
/// A fixed random 1×1 projection of each latent to a 16×16 RGB patch (pixel shuffle, tanh). NOT a trained
/// decoder: it only gives the untrained pipeline real pixels to encode, so hosts can be tested end to end
/// before a tokenizer checkpoint exists.
/// </summary>
public sealed class UntrainedLatentDecoder : nn.Module, ILatentDecoder
{
    public Conv2d proj;

    public UntrainedLatentDecoder(int latentChannels = 32, int downsample = 16, long seed = 0) : base(nameof(UntrainedLatentDecoder))
    {
        LatentChannels = latentChannels;
        Downsample = downsample;
        proj = nn.Conv2d(latentChannels, 3 * downsample * downsample, 1);
        RegisterComponents();
        using var noGrad = no_grad();
        var g = new Generator((ulong)seed);
        proj.weight!.copy_(randn(proj.weight.shape, generator: g).DividedBy(Math.Sqrt(latentChannels)));
        proj.bias!.zero_();
    }

    public int LatentChannels { get; }
    public int Downsample { get; }

    public Tensor Decode(Tensor latents)
    {
        using var scope = NewDisposeScope();
        return tanh(nn.functional.pixel_shuffle(proj.forward(latents), Downsample)).MoveToOuterDisposeScope();
    }
}
