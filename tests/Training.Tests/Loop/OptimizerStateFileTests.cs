using T2I.Training.Loop;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Loop;

[Collection(GlobalTorchState.Name)]
public class OptimizerStateFileTests
{
    private static (nn.Module<Tensor, Tensor> Model, optim.Optimizer Adam, optim.Optimizer Sgd) Build(long seed)
    {
        torch.manual_seed(seed);
        var model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 2));
        var ps = model.parameters().ToList();
        return (model, optim.AdamW(ps.Take(2), lr: 0.01, weight_decay: 0.1, amsgrad: true), optim.SGD(ps.Skip(2), learningRate: 0.05, momentum: 0.9));
    }

    private static void TrainSteps(nn.Module<Tensor, Tensor> model, optim.Optimizer[] optimizers, int from, int count)
    {
        for (int i = from; i < from + count; i++)
        {
            using var scope = NewDisposeScope();
            var g = new Generator((ulong)(100 + i));
            var x = randn(4, 5, generator: g);
            foreach (var o in optimizers) o.zero_grad();
            model.forward(x).pow(2).mean().backward();
            foreach (var o in optimizers) o.step();
        }
    }

    [Fact]
    public void RestoredOptimizersTakeBitIdenticalNextSteps()
    {
        using var tmp = new TempDir();
        var (straight, sa, ss) = Build(5);
        TrainSteps(straight, [sa, ss], 0, 6);

        var (first, fa, fs) = Build(5);
        TrainSteps(first, [fa, fs], 0, 3);
        string path = tmp.Sub("optimizer.safetensors");
        OptimizerStateFile.Save(path, new Dictionary<string, optim.Optimizer> { ["adamw"] = fa, ["sgd"] = fs });
        string weights = tmp.Sub("model.bin");
        first.save(weights);

        // A different seed: everything must come from the files.
        var (resumed, ra, rs) = Build(99);
        resumed.load(weights);
        OptimizerStateFile.Load(path, new Dictionary<string, optim.Optimizer> { ["adamw"] = ra, ["sgd"] = rs });
        TrainSteps(resumed, [ra, rs], 3, 3);

        TensorAssert.SameModule(straight, resumed);
    }

    [Fact]
    public void WithoutTheStateTheNextStepDiffers()
    {
        // Guards the test above: fresh moments would give different weights, so equality there means something.
        var (straight, sa, ss) = Build(5);
        TrainSteps(straight, [sa, ss], 0, 6);
        var (restart, a, sgd) = Build(5);
        TrainSteps(restart, [a, sgd], 0, 3);
        var ps = restart.parameters().ToList();
        TrainSteps(restart, [optim.AdamW(ps.Take(2), lr: 0.01, weight_decay: 0.1, amsgrad: true), optim.SGD(ps.Skip(2), learningRate: 0.05, momentum: 0.9)], 3, 3);
        Assert.False(TensorAssert.BitEqual(straight.state_dict()["0.weight"], restart.state_dict()["0.weight"]));
    }

    [Fact]
    public void MismatchedOptimizersAreRejectedWithTheKey()
    {
        using var tmp = new TempDir();
        var (model, adam, sgd) = Build(1);
        TrainSteps(model, [adam, sgd], 0, 1);
        string path = tmp.Sub("optimizer.safetensors");
        OptimizerStateFile.Save(path, new Dictionary<string, optim.Optimizer> { ["adamw"] = adam, ["sgd"] = sgd });

        var (_, otherAdam, _) = Build(1);
        var e = Assert.Throws<InvalidDataException>(() => OptimizerStateFile.Load(path, new Dictionary<string, optim.Optimizer> { ["adamw"] = otherAdam }));
        Assert.Contains("sgd.", e.Message);

        var wide = nn.Linear(5, 9);
        var wrongShape = optim.AdamW(wide.parameters(), amsgrad: true);
        var s = Assert.Throws<InvalidDataException>(() => OptimizerStateFile.Load(path, new Dictionary<string, optim.Optimizer> { ["adamw"] = wrongShape, ["sgd"] = sgd }));
        Assert.Contains("shape", s.Message);
    }
}
