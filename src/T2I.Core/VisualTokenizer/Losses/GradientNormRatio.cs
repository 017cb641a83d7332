using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer.Losses;

/// <summary>
/// VA-VAE's adaptive weight: rescale an auxiliary loss to the magnitude of the main loss by the ratio of
/// their gradient norms at one layer, clamp(‖∇main‖ / (‖∇aux‖ + 1e-4), 0, 1e4), detached. The paper uses it
/// for the GAN generator loss (at the decoder's last conv) and for L_sp (at the encoder's last layer).
/// </summary>
public static class GradientNormRatio
{
    public const double Epsilon = 1e-4;
    public const double MaxWeight = 1e4;

    /// <summary>Both losses keep their graphs (retain_graph) so the caller can still backpropagate them.</summary>
    public static Tensor Compute(Tensor mainLoss, Tensor auxLoss, Tensor layerWeight)
    {
        var gMain = autograd.grad(new[] { mainLoss }, new[] { layerWeight }, retain_graph: true)[0];
        var gAux = autograd.grad(new[] { auxLoss }, new[] { layerWeight }, retain_graph: true)[0];
        return FromNorms(gMain.norm(), gAux.norm());
    }

    /// <summary>The ratio from gradient norms the caller already has (e.g. read from its own backward pass).</summary>
    public static Tensor FromNorms(Tensor mainNorm, Tensor auxNorm) => (mainNorm / auxNorm.Plus(Epsilon)).Clamp(0.0, MaxWeight).detach();
}
