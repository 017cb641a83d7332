using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Tests.TorchSharpFixes;

/// <summary>
/// OneDnnConv2d against a float64 reference on the shapes where plain oneDNN convolutions were measured wrong
/// on this build (few or unaligned output channels: wrong input gradient; 20 input channels: wrong output;
/// 48 input channels with stride 2: wrong input gradient).
/// </summary>
[Collection(OneDnnCollection.Name)]
public sealed class OneDnnConv2dTests : IDisposable
{
    public OneDnnConv2dTests() => OneDnnConv2d.Enabled = true;

    public void Dispose() => OneDnnConv2d.Enabled = false;

    public static TheoryData<int, int, int, int, int, int> WrongWithPlainOneDnn => new()
    {
        // batch, in, out, kernel, stride, padding
        { 4, 32, 3, 3, 1, 1 },   // decoder RGB head
        { 4, 64, 1, 4, 1, 1 },   // discriminator logit conv
        { 2, 32, 8, 3, 1, 1 },
        { 2, 32, 24, 3, 1, 1 },
        { 2, 20, 32, 3, 1, 1 },  // unaligned input channels: wrong forward
        { 2, 48, 16, 2, 2, 0 },  // stride 2, 48 input channels
        { 2, 32, 64, 3, 2, 1 },  // aligned, strided: must stay right too
    };

    [Theory]
    [MemberData(nameof(WrongWithPlainOneDnn))]
    public void ValuesAndGradientsMatchFloat64(int n, int cin, int cout, int k, int stride, int padding)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        var x = randn(n, cin, 16, 16);
        var w = randn(cout, cin, k, k) / Math.Sqrt(cin * k * k);
        var b = randn(cout);
        Assert.True(OneDnnConv2d.Applies(x, w));
        var gy = randn_like(Reference(x, w, b, stride, padding).y).to(float32);

        var expected = Reference(x, w, b, stride, padding, gy);
        for (int call = 0; call < 3; call++) // the bug also showed as results changing between identical calls
        {
            var actual = Fast(x, w, b, stride, padding, gy);
            AssertClose(expected.y, actual.y, $"output (call {call})");
            AssertClose(expected.gx, actual.gx, $"input gradient (call {call})");
            AssertClose(expected.gw, actual.gw, $"weight gradient (call {call})");
            AssertClose(expected.gb, actual.gb, $"bias gradient (call {call})");
        }
        Assert.False(OneDnnWorkaround.IsOneDnnOnNow()); // the switch is back off for every other convolution
    }

    [Fact]
    public void NoBiasAndNoGradMatchConv2d()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(4);
        var x = randn(2, 32, 12, 12);
        var w = randn(3, 32, 3, 3) / 17;
        var expected = nn.functional.conv2d(x.to(float64), w.to(float64), padding: [1, 1]);
        Tensor y;
        using (no_grad()) y = OneDnnConv2d.Forward(x, w, null, 1, 1);
        AssertClose(expected, y, "no-grad output");

        var xg = x.detach().requires_grad_(true);
        var wg = w.detach().requires_grad_(true);
        var grads = autograd.grad([OneDnnConv2d.Forward(xg, wg, null, 1, 1).square().sum()], [xg, wg]);
        var x64 = x.to(float64).requires_grad_(true);
        var w64 = w.to(float64).requires_grad_(true);
        var refGrads = autograd.grad([nn.functional.conv2d(x64, w64, padding: [1, 1]).square().sum()], [x64, w64]);
        AssertClose(refGrads[0], grads[0], "input gradient without bias");
        AssertClose(refGrads[1], grads[1], "weight gradient without bias");
    }

    [Fact]
    public void BackwardWorksAfterTheForwardScopeEnded()
    {
        // Modules run forward in their own dispose scope and move only the result out; backward comes later.
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        var conv = nn.Conv2d(32, 3, 3, padding: 1);
        var x = randn(2, 32, 8, 8, requires_grad: true);
        Tensor y;
        using (var inner = NewDisposeScope())
            y = OneDnnConv2d.Forward(x, conv.weight!, conv.bias, 1, 1).MoveToOuterDisposeScope();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        y.abs().sum().backward();
        var expected = nn.functional.conv_transpose2d(y.detach().sign(), conv.weight!.detach(), padding: [1, 1]);
        AssertClose(expected.to(float64), x.grad!, "input gradient");
    }

    [Fact]
    public void ModuleOverloadUsesTheModulesWeightsAndFallsBackForGroups()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(6);
        var x = randn(2, 32, 10, 10, requires_grad: true);
        var head = nn.Conv2d(32, 3, 4, stride: 2, padding: 1);
        var y = OneDnnConv2d.Forward(head, x);
        var gx = autograd.grad([y.square().sum()], [x])[0];
        var x64 = x.detach().to(float64).requires_grad_(true);
        var y64 = nn.functional.conv2d(x64, head.weight!.detach().to(float64), head.bias!.detach().to(float64), strides: [2, 2], padding: [1, 1]);
        AssertClose(y64, y, "module output");
        AssertClose(autograd.grad([y64.square().sum()], [x64])[0], gx, "module input gradient");

        var grouped = nn.Conv2d(32, 32, 3, padding: 1, groups: 4);
        using (no_grad()) Assert.True(OneDnnConv2d.Forward(grouped, x).eq(grouped.forward(x)).all().item<bool>());
    }

    [Fact]
    public void RetainedGraphCanRunBackwardTwice()
    {
        // The tokenizer's adaptive GAN weight takes grad(loss, last layer) with retain_graph, then backward().
        using var scope = NewDisposeScope();
        torch.manual_seed(7);
        var conv = nn.Conv2d(32, 3, 3, padding: 1);
        var x = randn(2, 32, 8, 8, requires_grad: true);
        var loss = OneDnnConv2d.Forward(conv, x).square().mean();
        var first = autograd.grad([loss], [conv.weight!], retain_graph: true)[0].clone();
        loss.backward();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        AssertClose(first.to(float64), conv.weight!.grad!, "weight gradient of the second backward");
        Assert.NotNull(x.grad);
    }

    [Fact]
    public void FewInputChannelsKeepTheNativePath()
    {
        using var scope = NewDisposeScope();
        Assert.False(OneDnnConv2d.Applies(zeros(1, 3, 8, 8), zeros(32, 3, 3, 3)));
        Assert.False(OneDnnConv2d.Applies(zeros(1, 16, 8, 8, dtype: float64), zeros(32, 16, 3, 3, dtype: float64)));
    }

    [Fact]
    public void OffUnlessAProcessTurnsItOn()
    {
        using var scope = NewDisposeScope();
        OneDnnConv2d.Enabled = false; // the default: a web host's parallel workers never open oneDNN windows
        var (x, w) = (randn(1, 32, 8, 8), randn(3, 32, 3, 3));
        Assert.False(OneDnnConv2d.Applies(x, w));
        Assert.Equal(nn.functional.conv2d(x, w, padding: [1, 1]).data<float>().ToArray(),
                     OneDnnConv2d.Forward(x, w, null, 1, 1).data<float>().ToArray());
    }

    private static (Tensor y, Tensor gx, Tensor gw, Tensor gb) Reference(Tensor x, Tensor w, Tensor b, int stride, int padding, Tensor? gy = null)
    {
        var x64 = x.to(float64).requires_grad_(true);
        var w64 = w.to(float64).requires_grad_(true);
        var b64 = b.to(float64).requires_grad_(true);
        var y = nn.functional.conv2d(x64, w64, b64, strides: [stride, stride], padding: [padding, padding]);
        if (gy is null) return (y.detach(), x64, w64, b64);
        var g = autograd.grad([y], [x64, w64, b64], [gy.to(float64)]);
        return (y.detach(), g[0], g[1], g[2]);
    }

    private static (Tensor y, Tensor gx, Tensor gw, Tensor gb) Fast(Tensor x, Tensor w, Tensor b, int stride, int padding, Tensor gy)
    {
        var xg = x.detach().requires_grad_(true);
        var wg = w.detach().requires_grad_(true);
        var bg = b.detach().requires_grad_(true);
        var y = OneDnnConv2d.Forward(xg, wg, bg, stride, padding);
        var g = autograd.grad([y], [xg, wg, bg], [gy]);
        return (y.detach(), g[0], g[1], g[2]);
    }

    /// <summary>float32 against float64: the bug gives relative errors of 0.1–1 or NaN; correct kernels ~1e-6.</summary>
    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.False(actual.isnan().any().item<bool>(), $"{what}: NaN");
        double err = (actual.to(float64) - expected.to(float64)).abs().max().item<double>();
        double scale = expected.abs().max().item<double>();
        Assert.True(err <= 1e-4 * scale, $"{what}: max error {err:E2} vs max |ref| {scale:E2}");
    }
}
