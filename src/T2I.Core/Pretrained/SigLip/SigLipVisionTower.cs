using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Pretrained.SigLip;

/// <summary>HF <c>vision_model.embeddings</c>: a patch convolution with bias and one learned position per patch (no class token).</summary>
public sealed class SigLipVisionEmbeddings : nn.Module
{
    public Conv2d patch_embedding;
    public Embedding position_embedding;

    public SigLipVisionEmbeddings(SigLipVisionConfig config) : base(nameof(SigLipVisionEmbeddings))
    {
        patch_embedding = nn.Conv2d(3, config.HiddenSize, config.PatchSize, stride: config.PatchSize);
        position_embedding = nn.Embedding(config.GridSize * config.GridSize, config.HiddenSize);
        RegisterComponents();
    }
}

/// <summary>HF <c>SiglipVisionTransformer</c> without its pooling head: embeddings, <c>encoder.layers</c>, <c>post_layernorm</c>.</summary>
public sealed class SigLipVisionTransformer : nn.Module
{
    public SigLipVisionEmbeddings embeddings;
    public SigLipEncoder encoder;
    public LayerNorm post_layernorm;

    public SigLipVisionTransformer(SigLipVisionConfig config) : base(nameof(SigLipVisionTransformer))
    {
        embeddings = new SigLipVisionEmbeddings(config);
        encoder = new SigLipEncoder(config);
        post_layernorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        RegisterComponents();
    }
}

/// <summary>HF <c>encoder</c>: the layer list (key <c>layers.N</c>).</summary>
public sealed class SigLipEncoder : nn.Module
{
    public ModuleList<SigLipEncoderLayer> layers;

    public SigLipEncoder(SigLipVisionConfig config) : base(nameof(SigLipEncoder))
    {
        layers = nn.ModuleList(Enumerable.Range(0, config.NumLayers).Select(_ => new SigLipEncoderLayer(config)).ToArray());
        RegisterComponents();
    }
}

/// <summary>
/// A SigLIP2 vision tower whose parameter names equal the upstream keys under <c>vision_model.</c>. <see cref="HiddenStates"/>
/// follows HF's <c>output_hidden_states</c>: index 0 is the embeddings' output, i the output of layer i, −1 the last layer
/// (before <c>post_layernorm</c>). Images are normalised as SigLIP's processor does (mean 0.5, std 0.5: [-1, 1] as is).
/// </summary>
public sealed class SigLipVisionTower : nn.Module
{
    public SigLipVisionTransformer vision_model;

    public SigLipVisionConfig Config { get; }

    public SigLipVisionTower(SigLipVisionConfig config) : base(nameof(SigLipVisionTower))
    {
        Config = config;
        vision_model = new SigLipVisionTransformer(config);
        RegisterComponents();
    }

    /// <summary>Loads an HF SigLIP / SigLIP2 folder; the text tower, the pooling head and the logit scale/bias are skipped.</summary>
    public void Load(string folder) => T2I.Core.Text.PretrainedWeights.Load(this, folder, key =>
        key.StartsWith("vision_model.", StringComparison.Ordinal) && !key.StartsWith("vision_model.head.", StringComparison.Ordinal)
            && !key.EndsWith("position_ids", StringComparison.Ordinal) ? key : null);

    /// <summary>Token features [N, g_h·g_w, D] at the requested hidden-state indices, for images [N, 3, H, W] in [-1, 1].</summary>
    public Tensor[] HiddenStates(Tensor images, IReadOnlyList<int> indices)
    {
        using var scope = NewDisposeScope();
        int count = Config.NumLayers + 1;
        var wanted = indices.Select(i => i < 0 ? count + i : i).ToArray();
        if (wanted.Any(i => i < 0 || i >= count)) throw new ArgumentException($"Hidden-state indices must lie in [−{count}, {count}).");
        var e = vision_model.embeddings;
        var x = e.patch_embedding.forward(images).flatten(2).transpose(1, 2);
        x = x.Plus(Positions(images.shape[2] / Config.PatchSize, images.shape[3] / Config.PatchSize).unsqueeze(0));
        var states = new Tensor?[wanted.Length];
        for (int layer = 0; layer < count; layer++)
        {
            if (layer > 0) x = vision_model.encoder.layers[layer - 1].forward(x);
            for (int j = 0; j < wanted.Length; j++) if (wanted[j] == layer) states[j] = x.MoveToOuterDisposeScope();
            if (layer >= wanted.Max()) break;
        }
        return states.Select(s => s!).ToArray();
    }

    /// <summary>The learned positions, resized bilinearly when the grid differs from the pretraining one.</summary>
    private Tensor Positions(long gh, long gw)
    {
        var table = vision_model.embeddings.position_embedding.weight!;
        int g = Config.GridSize;
        if (gh == g && gw == g) return table;
        var grid = table.reshape(1, g, g, -1).permute(0, 3, 1, 2);
        var resized = nn.functional.interpolate(grid, new[] { gh, gw }, mode: InterpolationMode.Bilinear, align_corners: false);
        return resized.permute(0, 2, 3, 1).reshape(gh * gw, -1);
    }
}
