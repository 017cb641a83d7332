using static TorchSharp.torch;

namespace T2I.Core.Text;

/// <summary>
/// Text conditioning for the DiT: a token sequence [N, L, SequenceDim] (FLUX: T5), a pooled vector
/// [N, PooledDim] (FLUX: CLIP) and a mask [N, L] (true = real token, false = padding).
/// </summary>
public sealed record TextEncoding(Tensor Sequence, Tensor Pooled, Tensor Mask) : IDisposable
{
    /// <summary>Rows of this batch followed by rows of another (CFG: [positive; negative]); pads L to the longer one.</summary>
    public TextEncoding Concat(TextEncoding other)
    {
        long l = Math.Max(Sequence.shape[1], other.Sequence.shape[1]);
        return new TextEncoding(
            cat(new[] { PadTo(Sequence, l), PadTo(other.Sequence, l) }, dim: 0),
            cat(new[] { Pooled, other.Pooled }, dim: 0),
            cat(new[] { PadTo(Mask, l), PadTo(other.Mask, l) }, dim: 0));
    }

    public TextEncoding To(Device device) => new(Sequence.to(device), Pooled.to(device), Mask.to(device));

    private static Tensor PadTo(Tensor x, long length)
    {
        if (x.shape[1] == length) return x;
        var padShape = x.shape.ToArray();
        padShape[1] = length - x.shape[1];
        return cat(new[] { x, zeros(padShape, dtype: x.dtype, device: x.device) }, dim: 1);
    }

    public void Dispose()
    {
        Sequence.Dispose();
        Pooled.Dispose();
        Mask.Dispose();
    }
}

/// <summary>Turns prompts into DiT conditioning. Implementations: built-in (trained jointly), T5 + CLIP (FLUX).</summary>
public interface ITextEncoder
{
    /// <summary>Width of <see cref="TextEncoding.Sequence"/> (the DiT's context_in_dim).</summary>
    int SequenceDim { get; }

    /// <summary>Width of <see cref="TextEncoding.Pooled"/> (the DiT's vec_in_dim).</summary>
    int PooledDim { get; }

    /// <summary>Identifies the encoder in metadata (e.g. "builtin-o200k", "t5+clip").</summary>
    string Name { get; }

    /// <summary>Encodes prompts on the encoder's device. An empty prompt is valid (the CFG "unconditional").</summary>
    TextEncoding Encode(IReadOnlyList<string> prompts);
}
