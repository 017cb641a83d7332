using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Dit;

/// <summary>
/// Parallel DiT block over the joint [txt, img] sequence: <c>linear1</c> produces qkv and the MLP input at
/// once, <c>linear2</c> maps [attention, GELU(mlp)] back to the hidden size.
/// </summary>
public sealed class SingleStreamBlock : nn.Module
{
    private readonly long _hidden;
    private readonly long _mlpHidden;
    private readonly long _numHeads;
    public AutocastLinear linear1;
    public AutocastLinear linear2;
    public QkNorm norm;
    public LayerNorm pre_norm;
    public Modulation modulation;

    public SingleStreamBlock(long hidden, long numHeads, double mlpRatio) : base(nameof(SingleStreamBlock))
    {
        _hidden = hidden;
        _numHeads = numHeads;
        _mlpHidden = (long)(hidden * mlpRatio);
        linear1 = new AutocastLinear(hidden, hidden * 3 + _mlpHidden);
        linear2 = new AutocastLinear(hidden + _mlpHidden, hidden);
        norm = new QkNorm(hidden / numHeads);
        pre_norm = DoubleStreamBlock.PlainLayerNorm(hidden);
        modulation = new Modulation(hidden, isDouble: false);
        RegisterComponents();
    }

    public Tensor forward(Tensor x, Tensor vec, Tensor pe, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var (mod, _) = modulation.forward(vec);
        var parts = linear1.forward(mod.Apply(pre_norm.forward(x))).split(new[] { 3 * _hidden, _mlpHidden }, dim: -1);
        var (q, k, v) = Attention.SplitHeads(parts[0], _numHeads);
        (q, k) = norm.forward(q, k, v);
        var attn = Attention.Compute(q, k, v, pe, mask);
        var output = linear2.forward(cat(new[] { attn, nn.functional.gelu(parts[1], GELU.Approximate.tanh) }, dim: 2));
        return x.PlusGated(mod.Gate, output).MoveToOuterDisposeScope();
    }
}
