using static TorchSharp.torch;

namespace T2I.Training.Dit;

/// <summary>
/// One training batch: latents of a single bucket, their captions and, per row, the short label caption
/// ("a red circle", from the row's labels; null without labels).
/// </summary>
public sealed record DitBatch(Tensor Latents, IReadOnlyList<string> Captions, IReadOnlyList<string?> ShortCaptions) : IDisposable
{
    public void Dispose() => Latents.Dispose();

    /// <summary>"a {colour} {shape}" from a row's labels json, or null when it has none.</summary>
    public static string? ShortCaption(string? labels)
    {
        if (string.IsNullOrEmpty(labels)) return null;
        try
        {
            var l = T2I.Core.Eval.AttributeRequest.FromLabels(labels);
            return $"a {l.Color} {l.Shape}";
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException) { return null; }
    }
}
