using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer.Losses;

/// <summary>Hinge GAN losses (taming / VA-VAE).</summary>
public static class HingeGanLoss
{
    /// <summary>L_D = ½·(mean(relu(1 − D(x))) + mean(relu(1 + D(x̂)))).</summary>
    public static Tensor Discriminator(Tensor logitsReal, Tensor logitsFake) =>
        nn.functional.relu(logitsReal.OneMinus()).mean().Plus(nn.functional.relu(logitsFake.OnePlus()).mean()).Times(0.5);

    /// <summary>L_G = −mean(D(x̂)).</summary>
    public static Tensor Generator(Tensor logitsFake) => -logitsFake.mean();
}
