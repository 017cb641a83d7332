using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.Losses;

/// <summary>Hinge GAN losses (taming / VA-VAE).</summary>
public static class HingeGanLoss
{
    /// <summary>L_D = ½·(mean(relu(1 − D(x))) + mean(relu(1 + D(x̂)))).</summary>
    public static Tensor Discriminator(Tensor logitsReal, Tensor logitsFake) =>
        0.5 * (nn.functional.relu(1 - logitsReal).mean() + nn.functional.relu(1 + logitsFake).mean());

    /// <summary>L_G = −mean(D(x̂)).</summary>
    public static Tensor Generator(Tensor logitsFake) => -logitsFake.mean();
}
