using SkiaSharp;
using T2I.Core.Data;
using T2I.Core.Inference;
using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>An image file to score and the prompt it was generated from (null when unknown).</summary>
public sealed record ScoredImage(string Path, string? Prompt);

/// <summary>
/// The images of a folder (PNG, JPEG, WebP; sorted by file name) with their prompts: from a prompts file (one line
/// per image, in file-name order) or else from each PNG's A1111 <c>parameters</c> chunk (its first line).
/// </summary>
public static class ImageFolder
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".webp"];

    public static List<ScoredImage> List(string folder, string? promptsFile = null)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"No image folder '{folder}'.");
        var files = Directory.GetFiles(folder).Where(f => Extensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new InvalidDataException($"No PNG/JPEG/WebP images in '{folder}'.");
        if (promptsFile is not null)
        {
            var lines = File.ReadAllLines(promptsFile).Where(l => l.Trim().Length > 0).ToList();
            if (lines.Count != files.Count)
                throw new InvalidDataException($"{promptsFile} has {lines.Count} prompts for {files.Count} images in {folder}.");
            return files.Select((f, i) => new ScoredImage(f, lines[i].Trim())).ToList();
        }
        return files.Select(f => new ScoredImage(f, PromptOf(f))).ToList();
    }

    /// <summary>One image as [1, 3, H, W] in [-1, 1]; an undecodable file is an <see cref="InvalidDataException"/> naming it.</summary>
    public static Tensor Load(string path)
    {
        using var bitmap = SKBitmap.Decode(path) ?? throw new InvalidDataException($"Cannot decode image '{path}'.");
        using var image = ImageTensor.FromBitmap(bitmap);
        return image.unsqueeze(0);
    }

    private static string? PromptOf(string file)
    {
        if (!file.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            return PngText.Read(File.ReadAllBytes(file)).TryGetValue(GenerationParameters.Keyword, out var p) ? p.Split('\n')[0] : null;
        }
        catch (Exception e) when (e is InvalidDataException or FormatException) { return null; }
    }
}
