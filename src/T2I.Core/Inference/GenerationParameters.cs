using System.Globalization;

namespace T2I.Core.Inference;

/// <summary>The A1111-style <c>parameters</c> text other tools read from a PNG.</summary>
public static class GenerationParameters
{
    public const string Keyword = "parameters";

    public static string Format(GenerationRequest r, string sampler, string modelId)
    {
        var ci = CultureInfo.InvariantCulture;
        var lines = new List<string> { r.Prompt };
        if (!string.IsNullOrEmpty(r.NegativePrompt)) lines.Add($"Negative prompt: {r.NegativePrompt}");
        var settings = new List<string>
        {
            $"Steps: {r.Steps}", $"Sampler: {sampler}", string.Create(ci, $"CFG scale: {r.Guidance:G}"), $"Seed: {r.Seed}",
            $"Size: {r.Width}x{r.Height}", $"Model: {modelId}",
        };
        if (r.Eta > 0) settings.Insert(2, string.Create(ci, $"Eta: {r.Eta:G}"));
        lines.Add(string.Join(", ", settings));
        return string.Join("\n", lines);
    }
}
