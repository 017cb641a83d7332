using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Dit;

/// <summary>The attention weights of one stream: fused <c>qkv</c>, QK-norm <c>norm</c>, output <c>proj</c>.</summary>
public sealed class SelfAttention : nn.Module
{
    public long NumHeads { get; }
    public AutocastLinear qkv;
    public QkNorm norm;
    public AutocastLinear proj;

    public SelfAttention(long dim, long numHeads, bool qkvBias) : base(nameof(SelfAttention))
    {
        NumHeads = numHeads;
        qkv = new AutocastLinear(dim, dim * 3, hasBias: qkvBias);
        norm = new QkNorm(dim / numHeads);
        proj = new AutocastLinear(dim, dim);
        RegisterComponents();
    }

    /// <summary>Normalised q, k and v for this stream's tokens, each [N, H, L, D].</summary>
    public (Tensor Q, Tensor K, Tensor V) Project(Tensor x)
    {
        var (q, k, v) = Attention.SplitHeads(qkv.forward(x), NumHeads);
        var (qn, kn) = norm.forward(q, k, v);
        return (qn, kn, v);
    }
}
