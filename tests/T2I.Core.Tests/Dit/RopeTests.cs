using static TorchSharp.torch;
using T2I.Core.Dit;

namespace T2I.Core.Tests.Dit;

public class RopeTests
{
    [Fact]
    public void RotatesAdjacentPairsByPositionTimesFrequency()
    {
        using var scope = NewDisposeScope();
        var rope = new Rope(new[] { 4 }, theta: 100);
        var pe = rope.Embed(tensor(new[] { 3f }).reshape(1, 1, 1));
        // channels (x0, x1, x2, x3) = (1, 0, 0, 1): pair 0 at frequency 1, pair 1 at frequency 100^(-1/2) = 0.1
        var x = tensor(new[] { 1f, 0f, 0f, 1f }).reshape(1, 1, 1, 4);
        var r = Rope.Apply(x, pe).reshape(4).data<float>().ToArray();
        Assert.Equal(Math.Cos(3), r[0], 5);
        Assert.Equal(Math.Sin(3), r[1], 5);
        Assert.Equal(-Math.Sin(0.3), r[2], 5);
        Assert.Equal(Math.Cos(0.3), r[3], 5);
    }

    [Fact]
    public void AttentionScoresDependOnlyOnRelativePosition()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var rope = new Rope(new[] { 2, 4, 6 });
        var q = randn(1, 1, 1, 12);
        var k = randn(1, 1, 1, 12);
        float Score(float[] qPos, float[] kPos)
        {
            var qr = Rope.Apply(q, rope.Embed(tensor(qPos).reshape(1, 1, 3)));
            var kr = Rope.Apply(k, rope.Embed(tensor(kPos).reshape(1, 1, 3)));
            return (qr * kr).sum().item<float>();
        }
        float a = Score(new[] { 0f, 2, 5 }, new[] { 0f, 1, 1 });
        float b = Score(new[] { 0f, 7, 9 }, new[] { 0f, 6, 5 });
        float c = Score(new[] { 0f, 7, 9 }, new[] { 0f, 5, 6 });
        Assert.Equal(a, b, 3);
        Assert.True(Math.Abs(a - c) > 1e-3);
    }

    [Fact]
    public void ImageIdsAreRowMajorAndTextIdsZero()
    {
        using var scope = NewDisposeScope();
        var ids = Rope.ImageIds(2, 2, 3);
        Assert.Equal(new long[] { 2, 6, 3 }, ids.shape);
        var flat = ids[1].reshape(-1).data<float>().ToArray();
        Assert.Equal(new float[] { 0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 1, 0, 0, 1, 1, 0, 1, 2 }, flat);
        Assert.Equal(0f, Rope.TextIds(2, 4).abs().sum().item<float>());
    }

    [Fact]
    public void TimestepEmbeddingIsCosThenSinOfScaledTime()
    {
        using var scope = NewDisposeScope();
        var e = TimestepEmbedding.Embed(tensor(new[] { 0f, 0.5f }));
        Assert.Equal(new long[] { 2, 256 }, e.shape);
        Assert.Equal(128f, e[0, ..128].sum().item<float>(), 3);
        Assert.Equal(0f, e[0, 128..].abs().sum().item<float>(), 5);
        Assert.Equal((float)Math.Cos(500), e[1, 0].item<float>(), 3);
        Assert.Equal((float)Math.Sin(500), e[1, 128].item<float>(), 3);
        double f1 = Math.Exp(-Math.Log(10000) / 128);
        Assert.Equal((float)Math.Sin(500 * f1), e[1, 129].item<float>(), 3);
    }

    [Fact]
    public void RmsNormNormalisesTheLastAxis()
    {
        using var scope = NewDisposeScope();
        var norm = new RmsNorm(4);
        var y = norm.forward(tensor(new[] { 2f, -2f, 2f, -2f }).reshape(1, 4));
        Assert.True(allclose(y, tensor(new[] { 1f, -1f, 1f, -1f }).reshape(1, 4), 1e-4, 1e-4));
    }
}
