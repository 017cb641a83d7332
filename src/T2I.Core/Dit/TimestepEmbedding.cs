using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Dit;

/// <summary>
/// Sinusoidal features of t·1000 (FLUX's convention): [cos(t·f_i), sin(t·f_i)] with f_i = 10000^(−i/half).
/// </summary>
public static class TimestepEmbedding
{
    public const int Dim = 256;

    public static Tensor Embed(Tensor t, int dim = Dim, double maxPeriod = 10000, double timeFactor = 1000)
    {
        using var scope = NewDisposeScope();
        int half = dim / 2;
        // Scalar-free forms (ScalarSafe): this runs in every DiT forward.
        var freqs = exp(ScalarSafe.Arange(0, half, 1, ScalarType.Float32, t.device).Times(-Math.Log(maxPeriod) / half));
        var args = t.to_type(ScalarType.Float32).Times(timeFactor).unsqueeze(1) * freqs.unsqueeze(0);
        var emb = cat(new[] { cos(args), sin(args) }, dim: -1);
        if (dim % 2 == 1) emb = cat(new[] { emb, zeros_like(emb[.., ..1]) }, dim: -1);
        if (t.is_floating_point()) emb = emb.to_type(t.dtype);
        return emb.MoveToOuterDisposeScope();
    }
}
