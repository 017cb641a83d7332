using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>Turns latents or feature maps into one vector per sample for probes and kernel metrics.</summary>
public static class FeaturePooling
{
    /// <summary>
    /// [N, C, h, w] → spatial mean [N, C]; [N, T, C] tokens → token mean [N, C]; [N, D] unchanged. Float64, detached.
    /// </summary>
    public static Tensor MeanPool(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var f = features.detach().to(ScalarType.Float64);
        return features.dim() switch
        {
            2 => f,
            3 => f.mean([1]),
            4 => f.mean([2, 3]),
            _ => throw new ArgumentException($"Expected features [N, D], [N, T, C] or [N, C, h, w], got " +
                $"[{string.Join(", ", features.shape)}].", nameof(features)),
        };
    }
}
