using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Text;

/// <summary>
/// One T5 encoder block as HF lays it out: <c>layer.0</c> = pre-norm self-attention, <c>layer.1</c> = pre-norm
/// gated-GELU feed-forward (<c>DenseReluDense.wi_0/wi_1/wo</c>).
/// </summary>
public sealed class T5Block : nn.Module
{
    public ModuleList<nn.Module> layer;

    public T5Block(T5Config config, bool hasRelativeBias) : base(nameof(T5Block))
    {
        layer = new ModuleList<nn.Module>(new T5LayerSelfAttention(config, hasRelativeBias), new T5LayerFF(config));
        RegisterComponents();
    }

    public T5Attention Attention => ((T5LayerSelfAttention)layer[0]).SelfAttention;

    public Tensor forward(Tensor x, Tensor bias)
    {
        x = ((T5LayerSelfAttention)layer[0]).forward(x, bias);
        return ((T5LayerFF)layer[1]).forward(x);
    }
}

public sealed class T5LayerSelfAttention : nn.Module
{
    public T5Attention SelfAttention;
    public T5LayerNorm layer_norm;

    public T5LayerSelfAttention(T5Config config, bool hasRelativeBias) : base(nameof(T5LayerSelfAttention))
    {
        SelfAttention = new T5Attention(config, hasRelativeBias);
        layer_norm = new T5LayerNorm(config.DModel, config.LayerNormEpsilon);
        RegisterComponents();
    }

    public Tensor forward(Tensor x, Tensor bias) => x.Plus(SelfAttention.forward(layer_norm.forward(x), bias));
}

public sealed class T5LayerFF : nn.Module<Tensor, Tensor>
{
    public T5DenseGatedActDense DenseReluDense;
    public T5LayerNorm layer_norm;

    public T5LayerFF(T5Config config) : base(nameof(T5LayerFF))
    {
        DenseReluDense = new T5DenseGatedActDense(config);
        layer_norm = new T5LayerNorm(config.DModel, config.LayerNormEpsilon);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x.Plus(DenseReluDense.forward(layer_norm.forward(x)));
}

/// <summary>wo(gelu_tanh(wi_0 x) · wi_1 x).</summary>
public sealed class T5DenseGatedActDense : nn.Module<Tensor, Tensor>
{
    public Linear wi_0;
    public Linear wi_1;
    public Linear wo;

    public T5DenseGatedActDense(T5Config config) : base(nameof(T5DenseGatedActDense))
    {
        wi_0 = nn.Linear(config.DModel, config.DFf, hasBias: false);
        wi_1 = nn.Linear(config.DModel, config.DFf, hasBias: false);
        wo = nn.Linear(config.DFf, config.DModel, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        wo.forward(nn.functional.gelu(wi_0.forward(x), GELU.Approximate.tanh) * wi_1.forward(x));
}
