using T2I.Core.VisualTokenizer;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Tests.TorchSharpFixes;

public class OneDnnWorkaroundTests
{
    [Fact]
    public void SmallOutputConvolutionGradientsAreExactAndRepeatable()
    {
        OneDnnWorkaround.Apply();
        Assert.True(OneDnnWorkaround.IsOneDnnDisabled);
        using var scope = NewDisposeScope();
        torch.manual_seed(7);
        foreach (var (cin, cout) in new[] { (16, 3), (8, 3), (32, 1) })
        {
            var conv = nn.Conv2d(cin, cout, 3, padding: 1);
            var x = randn(2, cin, 8, 8, requires_grad: true);
            var y = conv.forward(x);
            var gy = y.detach().sign() / y.numel();
            // The analytic input gradient of a convolution is the transposed convolution of the output gradient.
            var expected = nn.functional.conv_transpose2d(gy, conv.weight!, padding: new long[] { 1, 1 });
            for (int i = 0; i < 10; i++)
            {
                var g = autograd.grad(new[] { conv.forward(x).abs().mean() }, new[] { x })[0];
                Assert.True(allclose(g, expected, 1e-6, 1e-6), $"{cin}→{cout} call {i}: input gradient is wrong");
            }
        }
    }
}
