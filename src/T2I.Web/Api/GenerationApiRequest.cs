using T2I.Core.Data;
using T2I.Core.Inference;

namespace T2I.Web.Api;

/// <summary>
/// JSON body of <c>POST /api/generations</c>: a <see cref="GenerationRequest"/> as a script writes it. Omitted fields
/// take the request's defaults, except the size, which defaults to the model's square bucket; <c>size</c> ("WxH") may
/// stand for width and height.
/// </summary>
public sealed record GenerationApiRequest(
    string? Prompt, string? NegativePrompt = null, int? Width = null, int? Height = null, string? Size = null,
    int? Steps = null, double? Guidance = null, long? Seed = null, int? Count = null)
{
    /// <summary>The request this body asks for, or null with the reason (the validator judges the values).</summary>
    public GenerationRequest? ToRequest(int baseResolution, out string? error)
    {
        error = null;
        int width = Width ?? baseResolution, height = Height ?? baseResolution;
        if (Size is { } size)
        {
            if (Width is not null || Height is not null)
            {
                error = "Give either size or width and height, not both.";
                return null;
            }
            if (AspectBucket.TryParse(size) is { } bucket) (width, height) = (bucket.Width, bucket.Height);
            else
            {
                error = $"Size '{(size.Length > 20 ? size[..20] + "…" : size)}' is not like 256x256."; // never echo a huge input
                return null;
            }
        }
        return new GenerationRequest(Prompt ?? "", NegativePrompt ?? "", width, height,
            Steps ?? GenerationRequest.DefaultSteps, Guidance ?? GenerationRequest.DefaultGuidance, Seed, Count ?? 1);
    }
}
