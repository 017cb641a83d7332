using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Tests.TorchSharpFixes;

public class SafeAdamWTests
{
    /// <summary>Runs the same 5 steps (two param groups, one with a parameter that gets no gradient) through an optimizer.</summary>
    private static (float[] Decayed, float[] Plain, float[] Frozen, AdamW.State State) Train(Func<IEnumerable<AdamW.ParamGroup>, AdamW> make)
    {
        // A generator of its own: the global one is shared with the tests running in parallel (manual_seed raced them).
        var g = new Generator(3);
        var a = nn.Parameter(randn(new long[] { 4, 3 }, generator: g));
        var b = nn.Parameter(randn(new long[] { 3 }, generator: g));
        var frozen = nn.Parameter(randn(new long[] { 2 }, generator: g));
        var target = randn(new long[] { 5, 3 }, generator: g);
        var x = randn(new long[] { 5, 4 }, generator: g);
        var optimizer = make([
            new AdamW.ParamGroup([a], lr: 0.05, weight_decay: 0.1),
            new AdamW.ParamGroup([b, frozen], lr: 0.02, weight_decay: 0),
        ]);
        for (int step = 0; step < 5; step++)
        {
            optimizer.zero_grad();
            x.matmul(a).add(b).sub(target).square().mean().backward();
            optimizer.step();
        }
        var state = (AdamW.State)optimizer.state_dict().State[0];
        return (a.data<float>().ToArray(), b.data<float>().ToArray(), frozen.data<float>().ToArray(), state);
    }

    [Fact]
    public void StepsMatchTorchSharpsAdamWBitForBit()
    {
        var reference = Train(groups => optim.AdamW(groups, beta1: 0.8, beta2: 0.95, eps: 1e-6));
        var safe = Train(groups => new SafeAdamW(groups, beta1: 0.8, beta2: 0.95, eps: 1e-6));

        Assert.Equal(reference.Decayed, safe.Decayed);
        Assert.Equal(reference.Plain, safe.Plain);
        Assert.Equal(reference.Frozen, safe.Frozen);
        Assert.Equal(5, safe.State.step);
        Assert.Equal(reference.State.exp_avg_sq.data<float>().ToArray(), safe.State.exp_avg_sq.data<float>().ToArray());
    }

    [Fact]
    public void MovesParametersDownhillAndDecaysOnlyTheDecayedGroup()
    {
        var trained = Train(groups => new SafeAdamW(groups));
        var g = new Generator(3);
        var a0 = randn(new long[] { 4, 3 }, generator: g).data<float>().ToArray();
        _ = randn(new long[] { 3 }, generator: g);
        var frozen0 = randn(new long[] { 2 }, generator: g).data<float>().ToArray();
        Assert.NotEqual(a0, trained.Decayed);
        Assert.Equal(frozen0, trained.Frozen); // no gradient: untouched, not even decayed
    }

    [Fact]
    public void RejectsAmsGrad()
    {
        var p = nn.Parameter(ones(2));
        var optimizer = new SafeAdamW([new AdamW.ParamGroup([p], new AdamW.Options { amsgrad = true, LearningRate = 0.1 })]);
        p.sum().backward();
        Assert.Throws<NotSupportedException>(() => optimizer.step());
    }
}
