using TorchSharp;
using TorchSharp.Modules;
using T2I.Core.TorchSharpFixes;
using static TorchSharp.torch;

namespace T2I.Core.Pretrained.MiniLm;

/// <summary>
/// One post-LN BERT layer: self-attention, residual, LayerNorm; GELU (erf) MLP, residual, LayerNorm. The module tree
/// mirrors the upstream keys (<c>attention.self.query</c>, <c>attention.output.dense</c>, <c>intermediate.dense</c>,
/// <c>output.dense</c>, both LayerNorms) so weights load by name.
/// </summary>
public sealed class BertLayer : nn.Module
{
    private readonly BertConfig config;
#pragma warning disable IDE1006 // upstream key names
    public ModuleDict<nn.Module> attention;
    public ModuleDict<nn.Module> intermediate;
    public ModuleDict<nn.Module> output;
#pragma warning restore IDE1006

    public BertLayer(BertConfig config) : base(nameof(BertLayer))
    {
        this.config = config;
        long d = config.Hidden;
        var self = nn.ModuleDict<nn.Module>(
            ("query", nn.Linear(d, d)), ("key", nn.Linear(d, d)), ("value", nn.Linear(d, d)));
        var attentionOutput = nn.ModuleDict<nn.Module>(
            ("dense", nn.Linear(d, d)), ("LayerNorm", nn.LayerNorm(d, eps: config.LayerNormEps)));
        attention = nn.ModuleDict<nn.Module>(("self", self), ("output", attentionOutput));
        intermediate = nn.ModuleDict<nn.Module>(("dense", nn.Linear(d, config.Intermediate)));
        output = nn.ModuleDict<nn.Module>(
            ("dense", nn.Linear(config.Intermediate, d)), ("LayerNorm", nn.LayerNorm(d, eps: config.LayerNormEps)));
        RegisterComponents();
    }

    private static Tensor Apply(ModuleDict<nn.Module> dict, string name, Tensor x) => ((nn.Module<Tensor, Tensor>)dict[name]).forward(x);

    /// <param name="keyBias">[N, 1, 1, L] additive: 0 for real tokens, a large negative number for padding.</param>
    public Tensor forward(Tensor x, Tensor keyBias)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], l = x.shape[1];
        var self = (ModuleDict<nn.Module>)attention["self"];
        Tensor Heads(string name) => Apply(self, name, x).view(n, l, config.Heads, config.HeadDim).transpose(1, 2);
        var attended = nn.functional.scaled_dot_product_attention(Heads("query"), Heads("key"), Heads("value"), keyBias)
            .transpose(1, 2).reshape(n, l, config.Hidden);
        var attentionOutput = (ModuleDict<nn.Module>)attention["output"];
        var h = Apply(attentionOutput, "LayerNorm", x.Plus(Apply(attentionOutput, "dense", attended)));
        var mlp = Apply(output, "dense", nn.functional.gelu(Apply(intermediate, "dense", h)));
        return Apply(output, "LayerNorm", h.Plus(mlp)).MoveToOuterDisposeScope();
    }
}
