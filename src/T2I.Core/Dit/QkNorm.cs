using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.Dit;

/// <summary>Per-head RMSNorm on queries and keys (QK-norm): keeps attention logits bounded in long runs.</summary>
public sealed class QkNorm : nn.Module
{
    public RmsNorm query_norm;
    public RmsNorm key_norm;

    public QkNorm(long headDim) : base(nameof(QkNorm))
    {
        query_norm = new RmsNorm(headDim);
        key_norm = new RmsNorm(headDim);
        RegisterComponents();
    }

    /// <summary>Normalises q and k and casts them to v's dtype, as attention expects one dtype.</summary>
    public (Tensor Q, Tensor K) forward(Tensor q, Tensor k, Tensor v) =>
        (query_norm.forward(q).to_type(v.dtype), key_norm.forward(k).to_type(v.dtype));
}
