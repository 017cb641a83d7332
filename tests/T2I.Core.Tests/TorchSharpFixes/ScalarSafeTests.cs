using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Tests.TorchSharpFixes;

/// <summary>
/// ScalarSafe's forms must be the operator forms they replace, bit for bit and dtype for dtype: the sweep that
/// moved the tokenizer, KL-VAE and evaluation onto them promised unchanged numerics. (The race they avoid cannot
/// fail deterministically; <c>training scalar-race</c> measures it.)
/// </summary>
public class ScalarSafeTests
{
    private static void AssertSame(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.eq(actual).all().item<bool>(), $"values differ: max |Δ| = {(expected.to(ScalarType.Float64) - actual.to(ScalarType.Float64)).abs().max().item<double>()}");
    }

    private static Tensor Sample(ScalarType dtype = ScalarType.Float32)
    {
        var g = new Generator(7);
        return randn(new long[] { 5, 7 }, generator: g).mul_(3).to(dtype);
    }

    [Fact]
    public void ArithmeticMatchesTheOperators()
    {
        using var scope = NewDisposeScope();
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            var x = Sample(dtype);
            var y = x.flip(1).sin();
            AssertSame(x + y, x.Plus(y));
            AssertSame(x + 1e-10, x.Plus(1e-10));
            AssertSame(1 + x, x.OnePlus());
            AssertSame(1 - x, x.OneMinus());
            AssertSame(x - 1.0, x.Minus(1.0));
            AssertSame(x / 2, x.DividedBy(2));
            AssertSame(x / (3L * 256 * 256), x.DividedBy(3L * 256 * 256));
            AssertSame(0.5 * x, x.Times(0.5));
            AssertSame(x.square(), x.Square());
            AssertSame(x.pow(2), x.Square());
            AssertSame(x.clamp(-1, 1), x.Clamp(-1, 1));
            AssertSame(x.clamp_min(0), x.ClampMin(0L));
            AssertSame(x.clamp_min(1e-6), x.ClampMin(1e-6));
        }
    }

    [Fact]
    public void IntegerTensorsKeepTheirDtype()
    {
        using var scope = NewDisposeScope();
        var labels = tensor(new long[] { -1, 0, 3, -1, 2 });
        AssertSame(labels.clamp_min(0), labels.ClampMin(0L));
        AssertSame(labels.ge(0), labels.GreaterOrEqual(0));
        var valid = labels.ge(0).sum();
        AssertSame(valid.clamp_min(1), valid.ClampMin(1L));

        var counter = zeros(1, dtype: ScalarType.Int64);
        var reference = zeros(1, dtype: ScalarType.Int64);
        counter.Increment();
        counter.Increment();
        reference.add_(1).add_(1);
        AssertSame(reference, counter);
    }

    [Fact]
    public void FillsAndActivationsMatchTorchSharp()
    {
        using var scope = NewDisposeScope();
        var x = Sample();
        var mask = x.gt(0.5);
        AssertSame(x.masked_fill(mask, double.NegativeInfinity), x.MaskedFill(mask, double.NegativeInfinity));
        AssertSame(nn.functional.leaky_relu(x, 0.2), x.LeakyRelu(0.2));
        AssertSame(x.clone().fill_(1.0), x.clone().FillWith(1.0));
        AssertSame(full(6, 1e-5), ScalarSafe.Full(6, 1e-5, get_default_dtype()));
    }
}
