using T2I.Core.VisualTokenizer;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.VisualTokenizer;

public class LpipsTests
{
    private static readonly int[] TinyWidths = { 4, 6, 8, 8, 8 };

    [Fact]
    public void KeysAreUpstreamLpips()
    {
        using var scope = NewDisposeScope();
        var keys = new Lpips(TinyWidths).state_dict().Keys.ToHashSet();
        foreach (var key in new[] { "net.slice1.0.weight", "net.slice1.2.bias", "net.slice2.5.weight", "net.slice2.7.weight",
                     "net.slice3.10.weight", "net.slice3.14.weight", "net.slice4.17.weight", "net.slice4.21.weight",
                     "net.slice5.24.weight", "net.slice5.28.bias", "lin0.model.1.weight", "lin4.model.1.weight" })
            Assert.Contains(key, keys);
        Assert.Equal(13 * 2 + 5, keys.Count); // 13 VGG convs (weight, bias) + 5 linear layers, nothing else
    }

    [Fact]
    public void DistanceEqualsAnIndependentComputation()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(8);
        var lpips = new Lpips(TinyWidths);
        using (no_grad()) foreach (var p in lpips.parameters()) p.uniform_(0.0, 0.5); // non-negative lin weights, as trained LPIPS
        var sd = lpips.state_dict();
        var x = rand(2, 3, 32, 24) * 2 - 1;
        var y = rand(2, 3, 32, 24) * 2 - 1;

        // VGG16 trunk by hand from the named weights: conv indices per stage, pool before stages 2..5.
        int[][] convIndices = { new[] { 0, 2 }, new[] { 5, 7 }, new[] { 10, 12, 14 }, new[] { 17, 19, 21 }, new[] { 24, 26, 28 } };
        Tensor[] Features(Tensor img)
        {
            var shift = tensor(new[] { -0.030f, -0.088f, -0.188f }).view(1, 3, 1, 1);
            var scale = tensor(new[] { 0.458f, 0.448f, 0.450f }).view(1, 3, 1, 1);
            var h = (img - shift) / scale;
            var outs = new Tensor[5];
            for (int s = 0; s < 5; s++)
            {
                if (s > 0) h = nn.functional.max_pool2d(h, 2, 2);
                foreach (int i in convIndices[s])
                    h = nn.functional.relu(nn.functional.conv2d(h, sd[$"net.slice{s + 1}.{i}.weight"], sd[$"net.slice{s + 1}.{i}.bias"], padding: new long[] { 1, 1 }));
                outs[s] = h;
            }
            return outs;
        }
        var fx = Features(x); var fy = Features(y);
        var expected = zeros(2);
        for (int k = 0; k < 5; k++)
        {
            var nx = fx[k] / (fx[k].pow(2).sum(1, keepdim: true).sqrt() + 1e-10);
            var ny = fy[k] / (fy[k].pow(2).sum(1, keepdim: true).sqrt() + 1e-10);
            var w = sd[$"lin{k}.model.1.weight"].view(1, -1, 1, 1);          // 1×1 conv to one channel = weighted channel sum
            expected += ((nx - ny).pow(2) * w).sum(1).mean(new long[] { 1, 2 });
        }
        var actual = lpips.forward(x, y).view(2);
        Assert.True(allclose(actual, expected, 1e-5, 1e-6), $"{actual.str()} vs {expected.str()}");
        Assert.True(actual.min().item<float>() > 0);
        Assert.Equal(0f, lpips.forward(x, x).abs().max().item<float>(), 6);
        Assert.True(allclose(lpips.forward(y, x).view(2), actual, 1e-6, 1e-6));
    }

    [Fact]
    public void IsADifferentiableFrozenLoss()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(9);
        var lpips = new Lpips(TinyWidths);
        Assert.All(lpips.parameters(), p => Assert.False(p.requires_grad));
        var x = (rand(1, 3, 16, 16) * 2 - 1).requires_grad_();
        lpips.forward(x, zeros(1, 3, 16, 16)).sum().backward();
        Assert.True(x.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void WithoutWeightsThereIsNoLpips()
    {
        Assert.Null(Lpips.TryLoad(null));
        Assert.Null(Lpips.TryLoad(""));
        Assert.Throws<FileNotFoundException>(() => Lpips.TryLoad("/nonexistent/lpips.safetensors"));
    }
}
