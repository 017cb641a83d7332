using TorchSharp.Modules;
using T2I.Core.Text;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Eval;

/// <summary>HF <c>CLIPModel.text_projection</c>: pooled text state → the joint embedding space (no bias).</summary>
public sealed class ClipTextProjection : nn.Module
{
    public Linear text_projection;

    public ClipTextProjection(int textHidden, int projectionDim) : base(nameof(ClipTextProjection))
    {
        text_projection = nn.Linear(textHidden, projectionDim, hasBias: false);
        RegisterComponents();
    }
}

/// <summary>
/// CLIP score (Hessel et al. 2021, as torchmetrics reports it): 100 · max(cos(image embedding, text embedding), 0)
/// per image–prompt pair, averaged. Uses user-supplied HF <c>CLIPModel</c> weights: the text tower of
/// T2I.Core.Text (<see cref="ClipTextEncoder"/>), <c>text_projection</c>, and <see cref="ClipVisionEncoder"/>.
/// </summary>
public sealed class ClipScore : IDisposable
{
    public ClipTextEncoder Text { get; }
    public ClipTextProjection Projection { get; }
    public ClipVisionEncoder Vision { get; }

    public ClipScore(ClipTextEncoder text, ClipTextProjection projection, ClipVisionEncoder vision)
    {
        if (projection.text_projection.weight!.shape[0] != vision.Config.ProjectionDim)
            throw new ArgumentException($"text_projection gives {projection.text_projection.weight.shape[0]} dims, " +
                $"visual_projection {vision.Config.ProjectionDim}.");
        Text = text;
        Projection = projection;
        Vision = vision;
    }

    /// <summary>An HF CLIPModel folder: <c>config.json</c>, <c>vocab.json</c>, <c>merges.txt</c>, <c>*.safetensors</c>.</summary>
    public static ClipScore Load(string folder)
    {
        var text = ClipTextEncoder.Load(folder);
        var vision = ClipVisionEncoder.Load(folder);
        var projection = new ClipTextProjection(text.Config.HiddenSize, vision.Config.ProjectionDim);
        PretrainedWeights.Load(projection, folder, key => key == "text_projection.weight" ? key : null);
        text.eval();
        return new ClipScore(text, projection, vision);
    }

    /// <summary>Projected text embeddings [N, ProjectionDim].</summary>
    public Tensor TextEmbeddings(IReadOnlyList<string> prompts)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var encoding = Text.Encode(prompts);
        return Projection.text_projection.forward(encoding.Pooled).MoveToOuterDisposeScope();
    }

    /// <summary>Per-pair scores of images [N, 3, H, W] in [-1, 1] and their N prompts.</summary>
    public double[] PerImage(Tensor images, IReadOnlyList<string> prompts)
    {
        if (images.shape[0] != prompts.Count) throw new ArgumentException($"{prompts.Count} prompts for {images.shape[0]} images.");
        using var scope = NewDisposeScope();
        return FromEmbeddings(Vision.Features(images), TextEmbeddings(prompts));
    }

    /// <summary>100 · max(cos, 0) row by row.</summary>
    public static double[] FromEmbeddings(Tensor imageEmbeddings, Tensor textEmbeddings)
    {
        using var scope = NewDisposeScope();
        var cos = nn.functional.cosine_similarity(imageEmbeddings.to(ScalarType.Float64), textEmbeddings.to(ScalarType.Float64), dim: 1);
        return cos.ClampMin(0L).Times(100).cpu().data<double>().ToArray();
    }

    public void Dispose()
    {
        Text.Dispose();
        Projection.Dispose();
        Vision.Dispose();
    }
}
