using T2I.Core.VisualTokenizer;
using T2I.Core.VisualTokenizer.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.VisualTokenizer;

public class LossTests
{
    [Fact]
    public void AdaptiveWeightIsHalfTheClampedGradientNormRatio()
    {
        using var scope = NewDisposeScope();
        var w = new TorchSharp.Modules.Parameter(tensor(new float[] { 1f, 2f }));
        var nll = 3 * w[0] + 4 * w[1];                  // ∇ = (3, 4), ‖·‖ = 5
        var g = (0.5 * w[0]).pow(2);                     // ∇ = (0.5·w0, 0) = (0.5, 0), ‖·‖ = 0.5
        var weight = AdaptiveGanWeight.Compute(nll, g, w);
        Assert.Equal(0.5 * 5 / (0.5 + 1e-4), weight.item<float>(), 4);
        Assert.False(weight.requires_grad);

        var tiny = 1e-9 * w[0];                          // ‖∇‖ ≈ 0 → ratio 5/1e-4 = 5e4, clamped to 1e4
        Assert.Equal(0.5 * 1e4, AdaptiveGanWeight.Compute(nll, tiny, w).item<float>(), 1);

        nll.backward();                                  // graphs were retained for the real backward
        Assert.Equal(new[] { 3f, 4f }, w.grad!.data<float>().ToArray());
    }

    [Fact]
    public void HingeLossesHaveTheirTextbookValues()
    {
        using var scope = NewDisposeScope();
        var real = tensor(new float[] { 2f, 0.5f });     // relu(1−x): 0, 0.5 → mean 0.25
        var fake = tensor(new float[] { -3f, 1f });      // relu(1+x): 0, 2 → mean 1
        Assert.Equal(0.5 * (0.25 + 1), HingeGanLoss.Discriminator(real, fake).item<float>(), 6);
        Assert.Equal(1f, HingeGanLoss.Generator(fake).item<float>(), 6);
    }

    [Fact]
    public void SemanticPreservationIsZeroWhileTheEncoderIsUnchangedAndGrowsAfterwards()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(6);
        var current = new AlignedTokenizer(AlignedTokenizerConfig.Tiny);
        var frozen = new AlignedTokenizer(AlignedTokenizerConfig.Tiny);
        frozen.load_state_dict(current.state_dict());
        var images = rand(2, 3, 32, 32) * 2 - 1;

        var z = current.Encode(images);
        Tensor zStar;
        using (no_grad()) zStar = frozen.Encode(images);
        var rec = (current.Decode(z) - images).abs().mean();
        var lsp = SemanticPreservationLoss.Weighted(z, zStar, rec, current.Encoder.LastLayerWeight, wSp: 1.0);
        Assert.Equal(0f, lsp.item<float>());

        using (no_grad()) current.Encoder.LastLayerWeight.add_(randn_like(current.Encoder.LastLayerWeight) * 0.5);
        var z2 = current.Encode(images);
        var raw = SemanticPreservationLoss.Compute(z2, zStar);
        Assert.True(raw.item<float>() > 0);
        Assert.Equal(((z2 - zStar).pow(2)).mean().item<float>(), raw.item<float>(), 6);

        // The weighted term is the raw L2 rescaled by ‖∇L_rec‖/‖∇L_sp‖ at the encoder's last layer, times w_sp.
        var rec2 = (current.Decode(z2) - images).abs().mean();
        var lambda = GradientNormRatio.Compute(rec2, raw, current.Encoder.LastLayerWeight);
        var weighted = SemanticPreservationLoss.Weighted(z2, zStar, rec2, current.Encoder.LastLayerWeight, wSp: 3.0);
        Assert.Equal(3 * lambda.item<float>() * raw.item<float>(), weighted.item<float>(), 4);
        weighted.backward();
        var grad = current.Vit.get_parameter("blocks.3.mlp.fc2.weight")!.grad;
        Assert.True(grad is not null && grad.abs().sum().item<float>() > 0, $"grad {grad?.abs().sum().item<float>()} lastlayer {current.Encoder.LastLayerWeight.grad?.abs().sum().item<float>()}");
    }
}
