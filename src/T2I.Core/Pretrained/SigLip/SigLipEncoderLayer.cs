using TorchSharp;
using TorchSharp.Modules;
using T2I.Core.Text;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Pretrained.SigLip;

/// <summary>fc2(gelu_tanh(fc1 x)), HF <c>SiglipMLP</c>.</summary>
public sealed class SigLipMlp : nn.Module<Tensor, Tensor>
{
    public Linear fc1;
    public Linear fc2;

    public SigLipMlp(SigLipVisionConfig config) : base(nameof(SigLipMlp))
    {
        fc1 = nn.Linear(config.HiddenSize, config.IntermediateSize);
        fc2 = nn.Linear(config.IntermediateSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.gelu(fc1.forward(x), approximate: TorchSharp.Modules.GELU.Approximate.tanh);
        return fc2.forward(h).MoveToOuterDisposeScope();
    }
}

/// <summary>Pre-LN SigLIP encoder layer (HF <c>SiglipEncoderLayer</c>): x += attn(ln1 x); x += mlp(ln2 x).</summary>
public sealed class SigLipEncoderLayer : nn.Module<Tensor, Tensor>
{
    public ClipAttention self_attn;
    public LayerNorm layer_norm1;
    public SigLipMlp mlp;
    public LayerNorm layer_norm2;

    public SigLipEncoderLayer(SigLipVisionConfig config) : base(nameof(SigLipEncoderLayer))
    {
        self_attn = new ClipAttention(config.LayerShape);
        layer_norm1 = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        mlp = new SigLipMlp(config);
        layer_norm2 = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        using var noMask = zeros(1, dtype: x.dtype, device: x.device);
        x = x.Plus(self_attn.forward(layer_norm1.forward(x), noMask));
        return x.Plus(mlp.forward(layer_norm2.forward(x))).MoveToOuterDisposeScope();
    }
}
