using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Text;

/// <summary>
/// T5 self-attention: no 1/√d scaling (folded into the init upstream), a learned bias per relative-position
/// bucket and head that only the first block owns (<c>relative_attention_bias</c>) and every block reuses.
/// </summary>
public sealed class T5Attention : nn.Module
{
    private readonly T5Config _config;
    public Linear q;
    public Linear k;
    public Linear v;
    public Linear o;
    public Embedding? relative_attention_bias;

    public T5Attention(T5Config config, bool hasRelativeBias) : base(nameof(T5Attention))
    {
        _config = config;
        long inner = (long)config.NumHeads * config.DKv;
        q = nn.Linear(config.DModel, inner, hasBias: false);
        k = nn.Linear(config.DModel, inner, hasBias: false);
        v = nn.Linear(config.DModel, inner, hasBias: false);
        o = nn.Linear(inner, config.DModel, hasBias: false);
        if (hasRelativeBias) relative_attention_bias = nn.Embedding(config.RelativeAttentionNumBuckets, config.NumHeads);
        RegisterComponents();
    }

    /// <summary>Bucket of each (key − query) offset: exact for small offsets, logarithmic up to max distance, by sign.</summary>
    public static Tensor RelativePositionBucket(Tensor relative, int numBuckets, int maxDistance)
    {
        using var scope = NewDisposeScope();
        int half = numBuckets / 2;
        var bucket = (relative > 0).to_type(ScalarType.Int64) * half;
        var n = relative.abs();
        int maxExact = half / 2;
        var large = maxExact
            + (log(n.to_type(ScalarType.Float32) / maxExact) / Math.Log((double)maxDistance / maxExact) * (half - maxExact))
                .to_type(ScalarType.Int64);
        large = large.clamp_max(half - 1);
        return (bucket + where(n < maxExact, n, large)).MoveToOuterDisposeScope();
    }

    /// <summary>Bias [1, H, L, L] from the relative bucket embedding.</summary>
    public Tensor PositionBias(long length, Device device)
    {
        if (relative_attention_bias is null) throw new InvalidOperationException("Only the first T5 block owns the relative " +
            "attention bias.");
        using var scope = NewDisposeScope();
        var pos = arange(length, dtype: ScalarType.Int64, device: device);
        var relative = pos.unsqueeze(0) - pos.unsqueeze(1); // [query, key] = key − query
        var buckets = RelativePositionBucket(relative, _config.RelativeAttentionNumBuckets, _config.RelativeAttentionMaxDistance);
        return relative_attention_bias.forward(buckets).permute(2, 0, 1).unsqueeze(0).MoveToOuterDisposeScope();
    }

    /// <param name="bias">position bias plus key-padding bias, [N or 1, H, L, L].</param>
    public Tensor forward(Tensor x, Tensor bias)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], l = x.shape[1], h = _config.NumHeads, d = _config.DKv;
        Tensor Heads(Linear proj) => proj.forward(x).reshape(n, l, h, d).transpose(1, 2);
        var scores = Heads(q).matmul(Heads(k).transpose(-1, -2)).Plus(bias);
        var weights = softmax(scores.to_type(ScalarType.Float32), -1).to_type(x.dtype);
        var output = weights.matmul(Heads(v)).transpose(1, 2).reshape(n, l, h * d);
        return o.forward(output).MoveToOuterDisposeScope();
    }
}
