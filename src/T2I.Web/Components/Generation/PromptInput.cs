using T2I.Core.Data;
using T2I.Core.Inference;
using T2I.Web.Generation;

namespace T2I.Web.Components.Generation;

/// <summary>
/// The prompt form's binding surface: settable properties (what Blazor's inputs bind to) over one immutable
/// <see cref="GenerationRequest"/>, which is what the form submits. Defaults are the request's own.
/// </summary>
public sealed class PromptInput
{
    public GenerationRequest Request { get; private set; } = new("");

    public string Prompt { get => Request.Prompt; set => Request = Request with { Prompt = value ?? "" }; }
    public string NegativePrompt { get => Request.NegativePrompt; set => Request = Request with { NegativePrompt = value ?? "" }; }
    public int Steps { get => Request.Steps; set => Request = Request with { Steps = value }; }
    public double Guidance { get => Request.Guidance; set => Request = Request with { Guidance = value }; }
    /// <summary>Empty = a random seed, drawn at submit and shown on the result.</summary>
    public long? Seed { get => Request.Seed; set => Request = Request with { Seed = value }; }
    public int Count { get => Request.Count; set => Request = Request with { Count = value }; }

    /// <summary>The aspect choice, a bucket name ("WxH"); a name that does not parse leaves a size the validator refuses.</summary>
    public string Size
    {
        get => Request.Size;
        set => Request = AspectBucket.TryParse(value) is { } b ? Request with { Width = b.Width, Height = b.Height }
            : Request with { Width = 0, Height = 0 };
    }

    /// <summary>"Reuse these settings": the same request with the seed that was actually used.</summary>
    public static PromptInput From(GenerationRecord r) => new() { Request = r.Parameters };
}
