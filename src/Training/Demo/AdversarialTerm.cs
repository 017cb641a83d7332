using T2I.Training.Loop;
using T2I.Core.VisualTokenizer;
using T2I.Core.VisualTokenizer.Losses;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training.Demo;

/// <summary>
/// The GAN half of L_rec as one object: the PatchGAN, its AdamW (β = 0.5, 0.9), the generator term
/// w_g·λ·L_G with λ at the decoder's last layer, and the hinge discriminator update on (real, detached fake).
/// (The aligned tokenizer's trainer spells out the same steps inline; it can adopt this.)
/// </summary>
public sealed class AdversarialTerm(PatchDiscriminator discriminator, double weight, double lr)
{
    public PatchDiscriminator Discriminator { get; } = discriminator;
    public optim.Optimizer Optimizer { get; } = new SafeAdamW(discriminator.parameters(), lr, beta1: 0.5, beta2: 0.9);

    /// <summary>w_g·λ·L_G, to add to the generator loss; logs the raw loss and the adaptive weight.</summary>
    public Tensor Generator(Tensor nll, Tensor reconstruction, Tensor decoderLastLayer, IDictionary<string, double> metrics)
    {
        var loss = HingeGanLoss.Generator(Discriminator.forward(reconstruction));
        var lambda = AdaptiveGanWeight.Compute(nll, loss, decoderLastLayer, weight);
        metrics["gan/generator"] = loss.item<float>();
        metrics["gan/adaptive_weight"] = lambda.item<float>();
        return lambda * loss;
    }

    /// <summary>One discriminator step after the generator's (the fake is detached).</summary>
    public void Update(Tensor real, Tensor fake, IDictionary<string, double> metrics, StepContext ctx)
    {
        Optimizer.zero_grad();
        var loss = HingeGanLoss.Discriminator(Discriminator.forward(real), Discriminator.forward(fake.detach()));
        loss.backward();
        ctx.AverageGradients(Discriminator.parameters());
        Optimizer.step();
        metrics["gan/discriminator"] = loss.item<float>();
    }
}
