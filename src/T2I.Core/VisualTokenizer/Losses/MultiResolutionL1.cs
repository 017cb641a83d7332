using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer.Losses;

/// <summary>
/// VFM-VAE's multi-resolution reconstruction loss: L1 between each scale's image x̂_i and the target area-downsampled to
/// its size. Returns one loss per scale, coarsest first; the trainer weighs them.
/// </summary>
public static class MultiResolutionL1
{
    public static Tensor[] PerScale(IReadOnlyList<Tensor> images, Tensor target) => images.Select(x =>
    {
        var t = x.shape[2] == target.shape[2] && x.shape[3] == target.shape[3] ? target
            : nn.functional.interpolate(target, new[] { x.shape[2], x.shape[3] }, mode: InterpolationMode.Area);
        return (x - t).abs().mean();
    }).ToArray();
}
