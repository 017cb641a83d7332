using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer.Losses;

/// <summary>
/// The GAN term of L_rec: w_g · λ · L_G with λ = ‖∇nll‖ / (‖∇L_G‖ + 1e-4) clamped to [0, 1e4], gradients taken
/// at the decoder's last conv weight (VA-VAE / taming <c>calculate_adaptive_weight</c>); w_g = 0.5.
/// </summary>
public static class AdaptiveGanWeight
{
    public const double PaperWeight = 0.5;

    /// <summary>w_g · λ (a detached scalar).</summary>
    public static Tensor Compute(Tensor nllLoss, Tensor generatorLoss, Tensor decoderLastLayer, double weight = PaperWeight) =>
        GradientNormRatio.Compute(nllLoss, generatorLoss, decoderLastLayer).Times(weight);
}
