using T2I.Core.Checkpoints;
using T2I.Training.Dit;
using T2I.Training.Loop;
using T2I.Training.Presets;
using T2I.Training.Tests.Loop;

namespace T2I.Training.Tests.Dit;

[Collection(GlobalTorchState.Name)]
public class GradientAccumulationTests
{
    /// <summary>
    /// grad_accum 4 × micro-batch 2 against one batch of 8, 3 steps, same seed. The noise, timesteps and caption dropout
    /// are drawn for the whole batch in both runs, so they see the same numbers; what differs is only float summation order
    /// (four backward passes accumulated vs one, micro-batches padded to their own longest caption). Loss and gradient
    /// norm are compared too: AdamW is blind to a constant gradient scale, so a missing 1/4 loss weight would hide in
    /// the weights alone. Tolerances: 1e-6 absolute on weights (measured 4.5e-8; the zero-initialised ones move ~1e-3 in
    /// these warm-up steps), 1e-5 relative on loss and gradient norm (measured ≤ 6.3e-8 and 0).
    /// </summary>
    [Fact]
    public void FourMicroBatchesGiveTheWeightsOfOneBatchFourTimesTheirSize()
    {
        using var tmp = new TempDir();
        string data = DitTestData.WriteShards(tmp.Sub("data"), perBucket: 8);
        (List<(double Loss, double Norm)> Metrics, Dictionary<string, TorchSharp.torch.Tensor> Weights) Run(int accum)
        {
            var p = (Preset<DitTrainConfig>)DitTrainingTests.Tiny(data, 3);
            p = p with { Config = p.Config with { EvalPrompts = 0, GradAccum = accum, CacheDir = tmp.Sub("cache") } };
            var metrics = new List<(double, double)>();
            string dir = tmp.Sub($"accum{accum}");
            TrainingLoop.Run(p, new RunOptions(dir)
            {
                Device = "cpu", WritePlots = false, Log = _ => { }, OnStep = (_, m) => metrics.Add((m["loss"], m["grad_norm"])),
            });
            return (metrics, SafeTensors.Load(CheckpointFolder.Open(dir).File(CheckpointFolder.ModelFile)));
        }
        var whole = Run(1);
        var accumulated = Run(4);
        Assert.Equal(3, accumulated.Metrics.Count);
        foreach (var (a, b) in whole.Metrics.Zip(accumulated.Metrics))
        {
            Assert.InRange(Math.Abs(a.Loss - b.Loss) / a.Loss, 0, 1e-5);
            Assert.InRange(Math.Abs(a.Norm - b.Norm) / a.Norm, 0, 1e-5);
        }
        var floats = whole.Weights.Where(kv => kv.Value.is_floating_point()).ToList();
        Assert.All(whole.Weights.Except(floats), kv => Assert.True(TensorAssert.BitEqual(kv.Value, accumulated.Weights[kv.Key])));
        double worst = floats.Max(kv => (kv.Value - accumulated.Weights[kv.Key]).abs().max().item<float>());
        Assert.InRange(worst, 0, 1e-6);
        Assert.True(whole.Weights.Any(kv => kv.Key.Contains("_mod.") && kv.Value.abs().max().item<float>() > 1e-4),
            "the zero-initialised modulation moved, so the comparison covers trained weights");
    }

    [Fact]
    public void TheDryRunChoosesMicroBatchAndAccumulationForAStatedDeviceMemory()
    {
        var preset = (Preset<DitTrainConfig>)PresetRegistry.Get("t2i-256");
        var config = preset.Config with { DeviceMemory = "80GiB" };
        var plan = new DitMemoryPlan(config, preset.Loop);
        var chosen = plan.Choose();
        long budget = 80L << 30;
        Assert.Equal(2048, chosen.MicroBatch * chosen.Accumulation);
        Assert.True(chosen.Fits && chosen.EstimatedBytes <= budget && !chosen.Checkpointing);
        Assert.True(plan.Estimate(chosen.MicroBatch * 2, false) > budget, "the fewest accumulation steps that fit");
        Assert.Equal(chosen.EstimatedBytes, (preset with { Config = config }).Plan().EstimatedBytes);
        // the runtime follows the same rule: an explicit grad_accum must divide the batch
        var bad = new DitMemoryPlan(preset.Config with { GradAccum = 3 }, preset.Loop);
        Assert.Contains("must divide batch_size 2048", Assert.Throws<ArgumentException>(bad.Choose).Message);
        var tight = new DitMemoryPlan(preset.Config with { DeviceMemory = "40GiB" }, preset.Loop).Choose();
        Assert.False(tight.Fits);
    }

    [Fact]
    public async Task LaunchDryRunPrintsTheChoice()
    {
        var (code, output, _) = await TrainingCli.Invoke("launch", "t2i-256", "--dry-run", "--set", "device_memory=80GiB");
        Assert.Equal(0, code);
        Assert.Contains("micro-batch 16 × grad_accum 128 = batch 2048, activation checkpointing off", output);
        Assert.Contains("chosen for device_memory 80GiB", output);
    }
}
