using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests;

public class TorchSmokeTests
{
    [Fact]
    public void ForwardAndBackwardComputeTheAnalyticGradient()
    {
        using var scope = NewDisposeScope();
        var lin = nn.Linear(3, 2);
        var x = tensor(new float[] { 1, 2, 3, -1, 0, 1 }, new long[] { 2, 3 });
        var loss = lin.forward(x).pow(2).sum();
        loss.backward();
        // d/dW sum((xW^T+b)^2) = 2 (xW^T+b)^T x
        var y = lin.forward(x).detach();
        var expected = (2 * y).t().matmul(x);
        Assert.True(allclose(lin.weight!.grad!, expected, 1e-5, 1e-5));
        Assert.Equal(DeviceType.CPU, T2I.Core.TorchRuntime.ResolveDevice("auto").type);
    }

    [Fact]
    public void ConvolutionRunsOnTheNativeBackend()
    {
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(4, 8, 3, padding: 1);
        var y = conv.forward(randn(2, 4, 16, 16));
        y.mean().backward();
        Assert.Equal(new long[] { 2, 8, 16, 16 }, y.shape);
        Assert.True(conv.weight!.grad!.abs().sum().item<float>() > 0);
    }
}
