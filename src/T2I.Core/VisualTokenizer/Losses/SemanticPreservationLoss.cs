using T2I.Core.TorchSharpFixes;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.Losses;

/// <summary>
/// Stage 2's L_sp = ‖z0* − z0‖² (mean squared error) between the latents of the encoder+adapter being trained
/// and those of the frozen stage-1 encoder+adapter. Applied after the adapter (the paper's ablation: before it
/// is worse). Rescaled like the GAN term by the gradient-norm ratio at the encoder's last layer, then × w_sp.
/// </summary>
public static class SemanticPreservationLoss
{
    /// <summary>The raw L2 term; <paramref name="frozenLatents"/> carries no gradient.</summary>
    public static Tensor Compute(Tensor latents, Tensor frozenLatents) =>
        nn.functional.mse_loss(latents, frozenLatents.detach());

    /// <summary>
    /// w_sp · λ_sp · L_sp with λ_sp = clamp(‖∇L_rec‖ / (‖∇L_sp‖ + 1e-4), 0, 1e4) at <paramref name="encoderLastLayer"/>.
    /// </summary>
    public static Tensor Weighted(Tensor latents, Tensor frozenLatents, Tensor reconstructionLoss, Tensor encoderLastLayer, double wSp)
    {
        var lsp = Compute(latents, frozenLatents);
        if (wSp == 0) return lsp.Times(0.0);
        // When L_sp is exactly zero (encoder unchanged) its gradient vanishes and the ratio would be huge; 0·huge = 0 anyway.
        var lambda = GradientNormRatio.Compute(reconstructionLoss, lsp, encoderLastLayer);
        return (lsp * lambda).Times(wSp);
    }
}
