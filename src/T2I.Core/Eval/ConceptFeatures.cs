using System.Text.Json;
using SkiaSharp;
using T2I.Core.Checkpoints;
using T2I.Core.Data;
using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>
/// Feature vectors of labelled real images, for training and validating a <see cref="ConceptJudge"/>: one row per
/// image with its concept (the row label <see cref="ConceptField"/>, e.g. the emoji's CLDR label) and its
/// <see cref="StyleField"/> (so one style can be held out). Rows without a concept or with undecodable images are
/// counted in <see cref="Skipped"/>.
/// </summary>
public sealed record ConceptFeatures(Tensor Features, string[] Concepts, string[] Styles, int Skipped) : IDisposable
{
    public const string ConceptField = "label";
    public const string StyleField = "style";

    public int Count => Concepts.Length;

    /// <summary>Encodes <paramref name="rows"/> in batches of <paramref name="batchSize"/>; reports images done.</summary>
    public static ConceptFeatures Encode(IReadOnlyList<BucketRow> rows, IImageFeatureEncoder encoder, int batchSize = 64,
        IProgress<int>? progress = null)
    {
        var features = new List<Tensor>();
        var concepts = new List<string>();
        var styles = new List<string>();
        int skipped = 0;
        // Rows of one batch must share a size: bucket rows of one resolution do only within a bucket.
        foreach (var bySize in rows.GroupBy(r => (r.Width, r.Height)))
            foreach (var chunk in bySize.Chunk(batchSize))
            {
                var bitmaps = new List<SKBitmap>();
                try
                {
                    foreach (var row in chunk)
                    {
                        if (row.Label(ConceptField) is not { Length: > 0 } concept) { skipped++; continue; }
                        if (SKBitmap.Decode(row.Image) is not { } bitmap) { skipped++; continue; }
                        bitmaps.Add(bitmap);
                        concepts.Add(concept);
                        styles.Add(row.Label(StyleField) ?? "");
                    }
                    if (bitmaps.Count == 0) continue;
                    using var images = ImageTensor.FromBitmaps(bitmaps);
                    features.Add(encoder.Features(images));
                    progress?.Report(concepts.Count);
                }
                finally
                {
                    foreach (var b in bitmaps) b.Dispose();
                }
            }
        if (features.Count == 0) throw new InvalidDataException($"No labelled rows with a '{ConceptField}' ({skipped} skipped).");
        var all = cat(features);
        foreach (var f in features) f.Dispose();
        return new ConceptFeatures(all, concepts.ToArray(), styles.ToArray(), skipped);
    }

    /// <summary>The rows whose style is (<paramref name="keep"/> true) or is not <paramref name="style"/>.</summary>
    public ConceptFeatures WhereStyle(string style, bool keep)
    {
        var rows = Enumerable.Range(0, Count).Where(i => (Styles[i] == style) == keep).ToArray();
        using var index = tensor(rows.Select(i => (long)i).ToArray());
        return new ConceptFeatures(Features.index_select(0, index), rows.Select(i => Concepts[i]).ToArray(),
            rows.Select(i => Styles[i]).ToArray(), 0);
    }

    /// <summary>
    /// Writes the features (<c>concept-features.safetensors</c>) and their rows (<c>.json</c>) into
    /// <paramref name="directory"/>, tagged with <paramref name="source"/> (what they were computed from), so a rerun
    /// of the judge's training skips the encoder pass, its slow half.
    /// </summary>
    public void Save(string directory, string source)
    {
        Directory.CreateDirectory(directory);
        string weights = Path.Combine(directory, CacheFile + ".safetensors"), rows = Path.Combine(directory, CacheFile + ".json");
        SafeTensors.Save(weights, [new("features", Features)], new Dictionary<string, string> { ["source"] = source });
        File.WriteAllText(rows + ".tmp", JsonSerializer.Serialize(new CachedRows(source, Concepts, Styles, Skipped)));
        File.Move(rows + ".tmp", rows, overwrite: true);
    }

    /// <summary>The features <see cref="Save"/> wrote from the same <paramref name="source"/>, or null.</summary>
    public static ConceptFeatures? TryLoad(string directory, string source)
    {
        string weights = Path.Combine(directory, CacheFile + ".safetensors"), rows = Path.Combine(directory, CacheFile + ".json");
        if (!File.Exists(weights) || !File.Exists(rows)) return null;
        var cached = JsonSerializer.Deserialize<CachedRows>(File.ReadAllText(rows));
        if (cached is null || cached.Source != source) return null;
        if (SafeTensors.ReadMetadata(weights).GetValueOrDefault("source") != source) return null;
        var features = SafeTensors.Load(weights)["features"];
        return features.shape[0] == cached.Concepts.Length
            ? new ConceptFeatures(features, cached.Concepts, cached.Styles, cached.Skipped)
            : null;
    }

    private const string CacheFile = "concept-features";

    private sealed record CachedRows(string Source, string[] Concepts, string[] Styles, int Skipped);

    public void Dispose() => Features.Dispose();
}
