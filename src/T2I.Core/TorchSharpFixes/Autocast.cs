using static TorchSharp.torch;

namespace T2I.Core.TorchSharpFixes;

/// <summary>
/// Mixed precision the way torch.autocast does it for matmuls (TorchSharp 0.107 has no autocast): while a scope is
/// open on this thread, every <see cref="AutocastLinear"/> computes in the scope's dtype (bf16) from fp32 master weights
/// cast per call, so gradients, AdamW state and EMA stay fp32. Normalisations compute their statistics in fp32
/// (RmsNorm, LayerNorm kernels), RoPE rotates in fp32, attention runs in the dtype of its inputs.
/// </summary>
public static class Autocast
{
    [ThreadStatic] private static ScalarType? current;

    /// <summary>The dtype matmuls compute in on this thread, or null (no autocast).</summary>
    public static ScalarType? Dtype => current;

    /// <summary>Opens a scope (null = explicitly off); disposing it restores the previous state.</summary>
    public static IDisposable Enable(ScalarType? dtype)
    {
        var scope = new Scope(current);
        current = dtype;
        return scope;
    }

    /// <summary>"fp32" → null, "bf16" → BFloat16, "fp16" → Float16.</summary>
    public static ScalarType? Parse(string precision) => precision.ToLowerInvariant() switch
    {
        "fp32" or "float32" => null,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        "fp16" or "float16" => ScalarType.Float16,
        _ => throw new ArgumentException($"Unknown precision '{precision}' (fp32, bf16, fp16)."),
    };

    private sealed class Scope(ScalarType? previous) : IDisposable
    {
        public void Dispose() => current = previous;
    }
}
