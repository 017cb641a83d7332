using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer;

/// <summary>Non-overlapping p×p patches → tokens via a strided conv (<c>patch_embed.proj</c>).</summary>
public sealed class PatchEmbed : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d proj;
    private readonly int patch;

    public PatchEmbed(int inChannels, int width, int patchSize) : base(nameof(PatchEmbed))
    {
        patch = patchSize;
        proj = nn.Conv2d(inChannels, width, patchSize, stride: patchSize);
        RegisterComponents();
    }

    /// <summary>[N,C,H,W] → [N, (H/p)·(W/p), D], row-major over the patch grid.</summary>
    public override Tensor forward(Tensor images)
    {
        if (images.shape[2] % patch != 0 || images.shape[3] % patch != 0)
            throw new ArgumentException($"Image {images.shape[2]}×{images.shape[3]} is not a multiple of the patch size {patch}.");
        return proj.forward(images).flatten(2).transpose(1, 2);
    }
}
