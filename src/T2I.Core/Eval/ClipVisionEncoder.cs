using TorchSharp;
using TorchSharp.Modules;
using T2I.Core.Text;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Eval;

/// <summary>HF <c>vision_model.embeddings</c>: a class embedding, a bias-free patch convolution and learned positions.</summary>
public sealed class ClipVisionEmbeddings : nn.Module
{
    public Parameter class_embedding;
    public Conv2d patch_embedding;
    public Embedding position_embedding;

    public ClipVisionEmbeddings(ClipVisionConfig config) : base(nameof(ClipVisionEmbeddings))
    {
        class_embedding = new Parameter(randn(config.HiddenSize).Times(0.02));
        patch_embedding = nn.Conv2d(3, config.HiddenSize, config.PatchSize, stride: config.PatchSize, bias: false);
        position_embedding = nn.Embedding(config.GridSize * config.GridSize + 1, config.HiddenSize);
        RegisterComponents();
    }
}

/// <summary>HF <c>vision_model</c>: embeddings, <c>pre_layrnorm</c> (upstream's spelling), the shared CLIP encoder,
/// <c>post_layernorm</c>.</summary>
public sealed class ClipVisionTransformer : nn.Module
{
    public ClipVisionEmbeddings embeddings;
    public LayerNorm pre_layrnorm;
    public ClipEncoder encoder;
    public LayerNorm post_layernorm;

    public ClipVisionTransformer(ClipVisionConfig config) : base(nameof(ClipVisionTransformer))
    {
        embeddings = new ClipVisionEmbeddings(config);
        pre_layrnorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        encoder = new ClipEncoder(config.LayerShape);
        post_layernorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        RegisterComponents();
    }
}

/// <summary>
/// HF <c>CLIPVisionModelWithProjection</c> (and the vision half of <c>CLIPModel</c>): ViT with a class token, pooled
/// output = post-LN class token, image embedding = <c>visual_projection</c> of it. Parameter names equal the
/// upstream keys; the encoder layers are the text tower's <see cref="ClipEncoderLayer"/> (no attention mask).
/// </summary>
public sealed class ClipVisionEncoder : nn.Module, IImageFeatureEncoder
{
    public ClipVisionConfig Config { get; }
    public ClipVisionTransformer vision_model;
    public Linear visual_projection;

    public ClipVisionEncoder(ClipVisionConfig config) : base(nameof(ClipVisionEncoder))
    {
        Config = config;
        vision_model = new ClipVisionTransformer(config);
        visual_projection = nn.Linear(config.HiddenSize, config.ProjectionDim, hasBias: false);
        RegisterComponents();
    }

    public string Name => "clip-vision";
    public int FeatureDim => Config.ProjectionDim;

    /// <summary>Loads <c>config.json</c> + <c>*.safetensors</c> of an HF CLIP folder; text-tower keys,
    /// <c>logit_scale</c> and <c>position_ids</c> are skipped.</summary>
    public static ClipVisionEncoder Load(string folder)
    {
        var model = new ClipVisionEncoder(ClipVisionConfig.FromHfJson(Path.Combine(folder, "config.json")));
        PretrainedWeights.Load(model, folder, key =>
            (key.StartsWith("vision_model.", StringComparison.Ordinal) || key == "visual_projection.weight")
            && !key.EndsWith("position_ids", StringComparison.Ordinal) ? key : null);
        model.eval();
        return model;
    }

    /// <summary>
    /// CLIP's preprocessing of images [N, 3, H, W] in [-1, 1]: short side to <see cref="ClipVisionConfig.ImageSize"/>
    /// (bicubic, antialiased), centre crop, mean/std normalisation.
    /// </summary>
    public Tensor Preprocess(Tensor images)
    {
        using var scope = NewDisposeScope();
        int s = Config.ImageSize;
        var x = images.to(ScalarType.Float32).to(visual_projection.weight.device);
        long h = x.shape[2], w = x.shape[3];
        var (th, tw) = SyntheticAttributeClassifier.TargetSize(h, w, s);
        x = nn.functional.interpolate(x.OnePlus().DividedBy(2), [th, tw], mode: InterpolationMode.Bicubic, align_corners: false,
            antialias: true);
        x = x.narrow(2, (th - s) / 2, s).narrow(3, (tw - s) / 2, s);
        var mean = tensor(ClipVisionConfig.Mean, device: x.device).view(1, 3, 1, 1);
        var std = tensor(ClipVisionConfig.Std, device: x.device).view(1, 3, 1, 1);
        return ((x - mean) / std).MoveToOuterDisposeScope();
    }

    /// <summary>Pooled output (post-LN class token) of preprocessed pixels [N, 3, S, S].</summary>
    public Tensor Pooled(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        var e = vision_model.embeddings;
        var patches = e.patch_embedding.forward(pixels).flatten(2).transpose(1, 2); // [N, g², D]
        long n = patches.shape[0];
        var cls = e.class_embedding.view(1, 1, -1).expand(n, 1, -1);
        var x = cat([cls, patches], 1).Plus(e.position_embedding.weight!.unsqueeze(0));
        x = vision_model.pre_layrnorm.forward(x);
        using var noMask = zeros(1, dtype: x.dtype, device: x.device);
        foreach (var layer in vision_model.encoder.layers) x = layer.forward(x, noMask);
        return vision_model.post_layernorm.forward(x.select(1, 0)).MoveToOuterDisposeScope();
    }

    /// <summary>Projected image embeddings [N, ProjectionDim] of images in [-1, 1], any size (CLIP score, FD features).</summary>
    public Tensor Features(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return visual_projection.forward(Pooled(Preprocess(images))).MoveToOuterDisposeScope();
    }
}
