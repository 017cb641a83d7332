using T2I.Web.Generation;
using T2I.Core.Data;

namespace T2I.Web.Components.Generation;

/// <summary>The prompt form's editable state (mutable for binding); converts to and from the record types.</summary>
public sealed class PromptInput
{
    public string Prompt { get; set; } = "";
    public string NegativePrompt { get; set; } = "";
    public string Size { get; set; } = "";
    public int Steps { get; set; } = GenerationParameters.DefaultSteps;
    public double Guidance { get; set; } = GenerationParameters.DefaultGuidance;
    /// <summary>Empty = a random seed, drawn at submit and shown on the result.</summary>
    public long? Seed { get; set; }
    public int Count { get; set; } = 1;

    public GenerationParameters? ToParameters(out string? error)
    {
        error = null;
        if (AspectBucket.TryParse(Size) is not { } size)
        {
            error = "Choose an aspect ratio.";
            return null;
        }
        return new GenerationParameters(Prompt, NegativePrompt, size.Width, size.Height, Steps, Guidance, Seed, Count);
    }

    /// <summary>"Reuse these settings": the same parameters with the seed that was actually used.</summary>
    public static PromptInput From(GenerationRecord r) => new()
    {
        Prompt = r.Parameters.Prompt,
        NegativePrompt = r.Parameters.NegativePrompt,
        Size = r.Parameters.Size,
        Steps = r.Parameters.Steps,
        Guidance = r.Parameters.Guidance,
        Seed = r.Seed,
        Count = r.Parameters.Count,
    };
}
