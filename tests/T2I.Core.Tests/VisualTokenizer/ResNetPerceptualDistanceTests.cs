using T2I.Core.Pretrained.ResNet;
using T2I.Core.TorchSharpFixes;
using T2I.Core.VisualTokenizer.Losses;
using static TorchSharp.torch;

namespace T2I.Core.Tests.VisualTokenizer;

public sealed class ResNetPerceptualDistanceTests
{
    [Fact]
    public void ZeroForIdenticalImagesSymmetricAndGrowingWithTheDistortion()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var distance = ResNetPerceptualDistance.WithWeights(new ResNet18(), zeros(1, 3, 224, 224));
        var x = rand(2, 3, 48, 48).Times(2).Minus(1);
        var small = x.Plus(randn_like(x).Times(0.05));
        var large = x.Plus(randn_like(x).Times(0.5));
        Assert.Equal(new long[] { 2, 1, 1, 1 }, distance.forward(x, small).shape);
        Assert.True(distance.forward(x, x).abs().max().item<float>() < 1e-6f);
        Assert.True(distance.forward(x, small).allclose(distance.forward(small, x), rtol: 1e-5, atol: 1e-7));
        Assert.True((distance.forward(x, large) > distance.forward(x, small)).all().item<bool>());
    }

    [Fact]
    public void GradientsReachTheImageButNotTheFrozenNetwork()
    {
        using var scope = NewDisposeScope();
        using var distance = ResNetPerceptualDistance.WithWeights(new ResNet18(), zeros(1, 3, 224, 224));
        distance.train();
        Assert.False(distance.training);
        var x = rand(1, 3, 32, 32).requires_grad_(true);
        distance.forward(x, zeros(1, 3, 32, 32)).sum().backward();
        Assert.True(x.grad is not null && x.grad.abs().sum().item<float>() > 0);
        Assert.All(distance.parameters(), p => Assert.Null(p.grad));
    }
}
