using System.Globalization;
using T2I.Core.Data;
using T2I.Core.Diffusion;

namespace T2I.Core.Inference;

/// <summary>
/// The one place that decides whether a <see cref="GenerationRequest"/> is acceptable (page, API, CLIs, the job and
/// the pipeline itself), against <see cref="GenerationLimits"/> and the model's bucket table. Returns a message a
/// user can act on, or null when the request is fine.
/// </summary>
public static class GenerationValidator
{
    public static string? Validate(GenerationRequest r, int baseResolution)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (string.IsNullOrWhiteSpace(r.Prompt)) return "The prompt is empty.";
        return CheckText("prompt", r.Prompt)
            ?? CheckText("negative prompt", r.NegativePrompt ?? "")
            ?? CheckSize(r.Width, r.Height, baseResolution)
            ?? CheckRange("Steps", r.Steps, GenerationLimits.MinSteps, GenerationLimits.MaxSteps)
            ?? CheckGuidance(r.Guidance)
            ?? CheckRange("Number of images", r.Count, GenerationLimits.MinCount, GenerationLimits.MaxCount)
            ?? CheckSeed(r.Seed, r.Count)
            ?? CheckSampler(r.Sampler, r.Eta);
    }

    /// <summary><see cref="Validate"/> for callers that cannot answer with a message: throws it.</summary>
    public static void ThrowIfInvalid(GenerationRequest r, int baseResolution)
    {
        if (Validate(r, baseResolution) is { } error) throw new ArgumentException(error, nameof(r));
    }

    private static string? CheckText(string name, string text)
    {
        int max = GenerationLimits.MaxPromptLength;
        if (text.Length > max) return $"The {name} is {text.Length} characters long; the limit is {max}.";
        foreach (char c in text)
        {
            // Line breaks and tabs are ordinary in prompts; other control and bidi-override characters are not.
            if (c is '\n' or '\r' or '\t') continue;
            if (char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
                return $"The {name} contains a control character (U+{(int)c:X4}).";
        }
        return null;
    }

    private static string? CheckSize(int width, int height, int baseResolution) =>
        AspectBuckets.Contains(baseResolution, width, height)
            ? null
            : $"Size {width}x{height} is not offered; choose one of: " +
                $"{string.Join(", ", AspectBuckets.For(baseResolution).Select(b => b.Name))}.";

    private static string? CheckSeed(long? seed, int count)
    {
        long max = GenerationLimits.MaxSeed - (Math.Max(count, 1) - 1);
        return seed is < 0 || seed > max
            ? $"Seed must be between 0 and {max}{(count > 1 ? $" for {count} images" : "")} (or empty for a random seed)."
            : null;
    }

    private static string? CheckRange(string name, int value, int min, int max) =>
        value < min || value > max ? $"{name} must be between {min} and {max} (got {value})." : null;

    private static string? CheckGuidance(double g) =>
        double.IsFinite(g) && g >= GenerationLimits.MinGuidance && g <= GenerationLimits.MaxGuidance
            ? null
            : $"CFG scale must be between {Text(GenerationLimits.MinGuidance)} and {Text(GenerationLimits.MaxGuidance)} " +
                $"(got {Text(g)}).";

    /// <summary>The samplers decide their own names and eta range; their refusal becomes the message.</summary>
    private static string? CheckSampler(string? sampler, double eta)
    {
        try
        {
            _ = FlowSampler.Create(sampler ?? "", eta);
            return null;
        }
        catch (ArgumentOutOfRangeException)
        {
            return $"Eta must be between 0 and 1 (got {Text(eta)}).";
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
}
