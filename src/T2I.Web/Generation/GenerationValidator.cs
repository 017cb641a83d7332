using System.Globalization;
using T2I.Core.Data;

namespace T2I.Web.Generation;

/// <summary>
/// The one place that decides whether parameters are acceptable, for the page and the API alike. Returns a
/// message a user can act on, or null when the parameters are fine.
/// </summary>
public static class GenerationValidator
{
    public const int MaxPromptLength = 1000;
    public const int MinSteps = 1, MaxSteps = 150;
    public const double MinGuidance = 1.0, MaxGuidance = 20.0;
    public const int MinCount = 1, MaxCount = 4;
    public const long MaxSeed = uint.MaxValue;

    public static string? Validate(GenerationParameters p, int baseResolution)
    {
        if (string.IsNullOrWhiteSpace(p.Prompt)) return "The prompt is empty.";
        return CheckText("prompt", p.Prompt)
            ?? CheckText("negative prompt", p.NegativePrompt)
            ?? CheckSize(p.Width, p.Height, baseResolution)
            ?? CheckRange("Steps", p.Steps, MinSteps, MaxSteps)
            ?? CheckGuidance(p.Guidance)
            ?? CheckRange("Number of images", p.Count, MinCount, MaxCount)
            ?? CheckSeed(p.Seed, p.Count);
    }

    private static string? CheckText(string name, string text)
    {
        if (text.Length > MaxPromptLength) return $"The {name} is {text.Length} characters long; the limit is {MaxPromptLength}.";
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

    /// <summary>Image i is drawn with seed + i, and seeds are 32-bit: the last one must fit too, or it would wrap to 0.</summary>
    private static string? CheckSeed(long? seed, int count)
    {
        long max = MaxSeed - (count - 1);
        return seed is < 0 || seed > max
            ? $"Seed must be between 0 and {max}{(count > 1 ? $" for {count} images" : "")} (or empty for a random seed)."
            : null;
    }

    private static string? CheckRange(string name, int value, int min, int max) =>
        value < min || value > max ? $"{name} must be between {min} and {max} (got {value})." : null;

    private static string? CheckGuidance(double g) =>
        double.IsFinite(g) && g >= MinGuidance && g <= MaxGuidance
            ? null
            : $"CFG scale must be between {MinGuidance.ToString(CultureInfo.InvariantCulture)} and " +
                $"{MaxGuidance.ToString(CultureInfo.InvariantCulture)} (got {g.ToString(CultureInfo.InvariantCulture)}).";
}
