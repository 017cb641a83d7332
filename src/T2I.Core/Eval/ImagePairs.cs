using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>Shared argument checks for metrics that compare two image batches [N, C, H, W] in [-1, 1].</summary>
internal static class ImagePairs
{
    /// <summary>The value range of images in [-1, 1], used by PSNR and SSIM.</summary>
    public const double DataRange = 2.0;

    public static void Check(Tensor reference, Tensor test)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(test);
        if (reference.dim() != 4)
            throw new ArgumentException($"Expected image batches [N, C, H, W], got [{string.Join(", ", reference.shape)}].",
                nameof(reference));
        if (!reference.shape.SequenceEqual(test.shape))
            throw new ArgumentException($"Image batches differ in shape: [{string.Join(", ", reference.shape)}] vs " +
                $"[{string.Join(", ", test.shape)}].", nameof(test));
    }

    /// <summary>Both batches as float64 on the reference's device, detached (metrics never need gradients).</summary>
    public static (Tensor Reference, Tensor Test) AsDouble(Tensor reference, Tensor test) =>
        (reference.detach().to(ScalarType.Float64), test.detach().to(ScalarType.Float64).to(reference.device));
}
