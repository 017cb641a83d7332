using T2I.Core.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Diffusion;

public class GuidanceAndScheduleTests
{
    [Fact]
    public void GuidanceRunsOneBatchedForwardAndCombinesTheHalves()
    {
        using var scope = NewDisposeScope();
        var x = randn(3, 4, generator: new Generator(1));
        var t = full(3, 0.4f);
        var condition = tensor(new[] { 2f, 2f, 2f, -1f, -1f, -1f }).reshape(6, 1); // [positive; negative]
        var batches = new List<long>();
        VelocityModel batched = (xx, tt) => { batches.Add(xx.shape[0]); return xx * condition + tt.reshape(-1, 1); };
        var vPos = x * 2 + 0.4f;
        var vNeg = -x + 0.4f;

        var v1 = ClassifierFreeGuidance.Wrap(batched, 1.0)(x, t);
        Assert.True(allclose(v1, vPos, 1e-6, 1e-6));
        var v0 = ClassifierFreeGuidance.Wrap(batched, 0.0)(x, t);
        Assert.True(allclose(v0, vNeg, 1e-6, 1e-6));
        var v5 = ClassifierFreeGuidance.Wrap(batched, 5.0)(x, t);
        Assert.True(allclose(v5, vNeg + 5 * (vPos - vNeg), 1e-5, 1e-5));
        Assert.Equal(new long[] { 6, 6, 6 }, batches);
    }

    [Fact]
    public void FlowPathRoundTripsThroughVelocity()
    {
        using var scope = NewDisposeScope();
        var x0 = randn(4, 3, 2, 2);
        var eps = randn(4, 3, 2, 2);
        var t = tensor(new[] { 0.1f, 0.5f, 0.9f, 1f });
        var xt = FlowMatchingPath.Interpolate(x0, eps, t);
        var v = FlowMatchingPath.Velocity(x0, eps);
        Assert.True(allclose(FlowMatchingPath.PredictX0(xt, v, t), x0, 1e-5, 1e-5));
        Assert.True(allclose(FlowMatchingPath.PredictNoise(xt, v, t), eps, 1e-5, 1e-5));
        Assert.True(allclose(xt[3], eps[3]));
    }

    [Fact]
    public void ShiftFollowsTheTokenCountLine()
    {
        Assert.Equal(0.5, TimeShift.Mu(256), 12);
        Assert.Equal(1.15, TimeShift.Mu(4096), 12);
        Assert.Equal(1 / (1 + Math.Exp(-0.5)), TimeShift.Apply(0.5, 0.5), 12);
        var grid = TimeGrid.Create(4, 1024);
        Assert.Equal(1.0, grid[0]);
        Assert.Equal(0.0, grid[^1]);
        Assert.True(grid[2] > 0.5, "shifted grids spend more steps at high noise");
        Assert.Equal(new[] { 1.0, 0.75, 0.5, 0.25, 0.0 }, TimeGrid.Create(4, 1024, shift: false));
    }

    [Fact]
    public void TrainingTimesAreLogitNormalShiftedAndSeeded()
    {
        using var scope = NewDisposeScope();
        var plain = new TimestepSampler(ShiftByTokens: false).Sample(20000, 256, new Generator(3));
        var shifted = new TimestepSampler().Sample(20000, 4096, new Generator(3));
        Assert.Equal(0.5, plain.median().item<float>(), 0.02);
        Assert.Equal(1 / (1 + Math.Exp(-1.15)), shifted.median().item<float>(), 0.02);
        // logit of a logit-normal sample is normal: its std is 1
        Assert.Equal(1.0, logit(plain).std().item<float>(), 0.03);
        // a fixed factor s replaces the token rule in training and sampling alike: median sigmoid(ln s) = s / (1 + s)
        var fixedShift = new TimestepSampler(ShiftFactor: 3).Sample(20000, 64, new Generator(3));
        Assert.Equal(0.75, fixedShift.median().item<float>(), 0.02);
        Assert.Equal(0.75, TimeGrid.Create(2, 64, factor: 3)[1], 12);
        Assert.Equal(TimeGrid.Create(4, 64), TimeGrid.Create(4, 64, factor: null));
        var first = new TimestepSampler().Sample(16, 256, new Generator(7));
        Assert.True(first.equal(new TimestepSampler().Sample(16, 256, new Generator(7))).all().item<bool>());
    }
}
