using T2I.Core.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Loop;

[Collection(GlobalTorchState.Name)]
public class EmaTests
{
    /// <summary>A linear layer plus a BatchNorm, whose running stats are buffers (copied, not averaged).</summary>
    private sealed class Net : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> fc = nn.Linear(3, 2), bn = nn.BatchNorm1d(2);
        public Net() : base("Net") => RegisterComponents();
        public override Tensor forward(Tensor x) => bn.forward(fc.forward(x));
    }

    private static void Set(nn.Module m, string name, float value)
    {
        using var _ = no_grad();
        m.state_dict()[name].fill_(value);
    }

    [Fact]
    public void UpdateFollowsTheDecayFormulaAndCopiesBuffers()
    {
        torch.manual_seed(1);
        var net = new Net();
        Set(net, "fc.weight", 1f);
        Set(net, "bn.running_mean", 5f);
        using var ema = new Ema(net, 0.9);

        Set(net, "fc.weight", 3f);
        Set(net, "bn.running_mean", 7f);
        ema.Update();   // 0.9·1 + 0.1·3 = 1.2
        Set(net, "fc.weight", -1f);
        ema.Update();   // 0.9·1.2 + 0.1·(−1) = 0.98

        Assert.Equal(0.98f, ema.Shadow["fc.weight"][0, 0].item<float>(), 5);
        Assert.Equal(7f, ema.Shadow["bn.running_mean"][0].item<float>());
        Assert.Equal(2, ema.Updates);
        Assert.Equal(-1f, net.state_dict()["fc.weight"][0, 0].item<float>()); // the model itself is untouched
    }

    [Fact]
    public void FrozenParametersAreCopiedNotAveraged()
    {
        var net = new Net();
        Set(net, "fc.bias", 0f);
        foreach (var (name, p) in net.named_parameters()) if (name == "fc.bias") p.requires_grad = false;
        using var ema = new Ema(net, 0.99);
        Set(net, "fc.bias", 4f);
        ema.Update();
        Assert.Equal(4f, ema.Shadow["fc.bias"][0].item<float>());
    }

    [Fact]
    public void SwapInShowsEmaWeightsThenRestoresTrainingWeightsExactly()
    {
        torch.manual_seed(2);
        var net = new Net();
        using var ema = new Ema(net, 0.5);
        Set(net, "fc.weight", 2f);
        ema.Update();
        var training = net.state_dict()["fc.weight"].clone();
        using (ema.SwapIn())
            Assert.True(TensorAssert.BitEqual(net.state_dict()["fc.weight"], ema.Shadow["fc.weight"]));
        Assert.True(TensorAssert.BitEqual(net.state_dict()["fc.weight"], training));
    }

    [Fact]
    public void SaveLoadRoundTripsAndLoadsIntoAPlainModel()
    {
        using var tmp = new TempDir();
        torch.manual_seed(3);
        var net = new Net();
        using var ema = new Ema(net, 0.7);
        Set(net, "fc.weight", 9f);
        ema.Update();
        string path = tmp.Sub("ema.safetensors");
        ema.Save(path);

        torch.manual_seed(4);
        var other = new Net();
        using var restored = new Ema(other, 0.7);
        restored.Load(path);
        foreach (var (k, t) in ema.Shadow) Assert.True(TensorAssert.BitEqual(t, restored.Shadow[k]), k);

        // ema.safetensors uses state_dict names, so inference can load it straight into a model.
        var plain = new Net();
        ModuleWeights.Load(plain, path);
        var fresh = new Net();
        ema.CopyTo(fresh);
        TensorAssert.SameModule(fresh, plain);
    }

    [Fact]
    public void DecayOutsideRangeIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ema(new Net(), 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ema(new Net(), -0.1));
    }
}
