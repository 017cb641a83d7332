using T2I.Core.Eval;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Eval;

public sealed class ResNetFeaturesTests
{
    /// <summary>A disc on a gradient, in [-1, 1] at <paramref name="size"/>; <paramref name="flip"/> swaps its colours.</summary>
    private static Tensor Picture(int size, bool flip = false)
    {
        var y = linspace(0, 1, size).view(1, 1, size, 1).expand(1, 1, size, size);
        var x = linspace(0, 1, size).view(1, 1, 1, size).expand(1, 1, size, size);
        var disc = ((x - 0.4f).square() + (y - 0.55f).square() < 0.06f).to(float32);
        var rgb = cat(new[] { disc * 0.9f, x * 0.5f, 1 - disc * 0.8f }, dim: 1);
        return (flip ? rgb.flip(1) : rgb) * 2 - 1;
    }

    private static double Cosine(Tensor a, Tensor b) => nn.functional.cosine_similarity(a, b).item<float>();

    [Fact]
    public void FeaturesDoNotDependOnTheInputSizeButOnThePicture()
    {
        using var scope = NewDisposeScope();
        using var encoder = ResNetFeatures.FromPackage();
        var large = encoder.Features(Picture(224));
        var small = encoder.Features(Picture(64));
        var other = encoder.Features(Picture(64, flip: true));

        Assert.Equal(new long[] { 1, 512 }, large.shape);
        double same = Cosine(large, small), different = Cosine(small, other);
        Assert.True(same > 0.9, $"one picture at 224 and 64 px: cosine {same:0.000}");
        Assert.True(different < same - 0.05, $"colours swapped: cosine {different:0.000} against {same:0.000} for the same picture");
    }
}
