using TorchSharp;

namespace T2I.Training.Loop;

/// <summary>Parameters of one module: all of them and the trainable part.</summary>
public sealed record ParameterCount(string Module, long Total, long Trainable)
{
    /// <summary>Counts an existing module (for small models; large presets should count analytically).</summary>
    public static ParameterCount Of(string name, torch.nn.Module module)
    {
        long total = 0, trainable = 0;
        foreach (var (_, p) in module.named_parameters())
        {
            total += p.numel();
            if (p.requires_grad) trainable += p.numel();
        }
        return new ParameterCount(name, total, trainable);
    }
}

/// <summary>
/// What <c>training launch PRESET --dry-run</c> prints and what the memory check uses.
/// <see cref="EstimatedBytes"/> is the peak training memory on the device (weights, gradients, optimizer
/// state, EMA, activations); <see cref="Lines"/> are the stage's own plan lines (data, schedule, …).
/// </summary>
public sealed record TrainingPlan(IReadOnlyList<ParameterCount> Parameters, long EstimatedBytes, IReadOnlyList<string> Lines)
{
    /// <summary>FLOPs of one training step (forward + backward ≈ 3 × forward), if the stage can say; `training bench`
    /// divides by it.</summary>
    public double? FlopsPerStep { get; init; }

    /// <summary>Micro-batches accumulated per optimizer step (micro-batch = batch_size / this; 1 = no accumulation).</summary>
    public int Accumulation { get; init; } = 1;

    public long TotalParameters => Parameters.Sum(p => p.Total);
    public long TrainableParameters => Parameters.Sum(p => p.Trainable);
}

/// <summary>Back-of-the-envelope training memory, the same arithmetic for every stage.</summary>
public static class MemoryEstimate
{
    /// <summary>
    /// Frozen weights + trainable weights, their gradients, two AdamW moments (fp32) and an optional fp32 EMA
    /// copy, plus <paramref name="activationBytes"/> (the stage estimates its own activations).
    /// </summary>
    public static long Training(long trainableParams, long frozenParams, bool ema, long activationBytes, int bytesPerWeight = 4)
    {
        long weights = (trainableParams + frozenParams) * bytesPerWeight;
        long gradients = trainableParams * bytesPerWeight;
        long adam = trainableParams * 8;
        long emaBytes = ema ? trainableParams * 4 : 0;
        return weights + gradients + adam + emaBytes + activationBytes;
    }

    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
        return u == 0 ? $"{bytes} B" : $"{v:0.0} {units[u]}";
    }

    public static string FormatCount(long n) => n switch
    {
        >= 1_000_000_000 => $"{n / 1e9:0.00}B",
        >= 1_000_000 => $"{n / 1e6:0.00}M",
        >= 1_000 => $"{n / 1e3:0.0}k",
        _ => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
