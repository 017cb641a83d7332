using SkiaSharp;
using T2I.Core.Data;
using T2I.Core.Storage;
using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>Labelled images of one size (one aspect bucket): [N, 3, h, w] in [-1, 1] and, per attribute, class indices.</summary>
public sealed record AttributeGroup(string Size, Tensor Images, long[][] Labels)
{
    public int Count => (int)Images.shape[0];
}

/// <summary>
/// Labelled synthetic images at the judge's input size (short side fixed, aspect kept), grouped by size so each
/// training batch holds one shape of tensor. Labels are class indices in <see cref="Vocabulary"/>'s attribute order.
/// </summary>
public sealed class AttributeDataset : IDisposable
{
    public AttributeVocabulary Vocabulary { get; }
    public IReadOnlyList<AttributeGroup> Groups { get; }
    /// <summary>Rows without labels, with labels outside the vocabulary, or with undecodable images.</summary>
    public int Skipped { get; }
    public int Count => Groups.Sum(g => g.Count);

    private AttributeDataset(AttributeVocabulary vocabulary, IReadOnlyList<AttributeGroup> groups, int skipped)
    {
        Vocabulary = vocabulary;
        Groups = groups;
        Skipped = skipped;
    }

    /// <summary>
    /// Decodes labelled rows (dataprep's bucketed rows carry the synth labels json). <paramref name="vocabulary"/>
    /// null: built from the rows' labels (for training); given: rows with unknown classes are skipped (held-out sets).
    /// </summary>
    public static AttributeDataset FromRows(IReadOnlyList<BucketRow> rows, int shortSide, AttributeVocabulary? vocabulary = null)
    {
        int skipped = 0;
        var labelled = new List<(BucketRow Row, AttributeRequest Labels)>();
        foreach (var row in rows)
        {
            try
            {
                if (string.IsNullOrEmpty(row.Labels)) { skipped++; continue; }
                labelled.Add((row, AttributeRequest.FromLabels(row.Labels)));
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException) { skipped++; }
        }
        vocabulary ??= AttributeVocabulary.From(labelled.Select(l => l.Labels));
        var attributes = vocabulary.Attributes;
        var bySize = new Dictionary<string, (List<Tensor> Images, List<long[]> Labels)>();
        using (var scope = NewDisposeScope())
        {
            foreach (var (row, labels) in labelled)
            {
                try
                {
                    var indices = attributes.Select(a => (long)vocabulary.IndexOf(a.Name, labels.ValueOf(a.Name)
                        ?? throw new FormatException($"no {a.Name}"))).ToArray();
                    using var bitmap = SKBitmap.Decode(row.Image) ?? throw new FormatException("undecodable image");
                    using var image = ImageTensor.FromBitmap(bitmap);
                    var small = SyntheticAttributeClassifier.ResizeShortSide(image.unsqueeze(0), shortSide)[0];
                    string size = $"{small.shape[2]}x{small.shape[1]}";
                    if (!bySize.TryGetValue(size, out var group)) bySize[size] = group = ([], []);
                    group.Images.Add(small.MoveToOuterDisposeScope());
                    group.Labels.Add(indices);
                }
                catch (Exception e) when (e is FormatException or ArgumentException) { skipped++; }
            }
        }
        if (bySize.Count == 0) throw new InvalidDataException($"No usable labelled rows ({skipped} skipped).");
        var groups = bySize.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var images = stack(g.Value.Images);
            foreach (var t in g.Value.Images) t.Dispose();
            var labels = Enumerable.Range(0, attributes.Count).Select(a => g.Value.Labels.Select(l => l[a]).ToArray()).ToArray();
            return new AttributeGroup(g.Key, images, labels);
        }).ToList();
        return new AttributeDataset(vocabulary, groups, skipped);
    }

    /// <summary>The first API's call: rows decoded with a given vocabulary at a short side; <paramref name="skipped"/>
    /// as <see cref="Skipped"/>.</summary>
    public static AttributeDataset FromRows(IEnumerable<BucketRow> rows, AttributeVocabulary vocabulary, int imageSize, out int skipped)
    {
        var dataset = FromRows(rows as IReadOnlyList<BucketRow> ?? rows.ToList(), imageSize, vocabulary);
        skipped = dataset.Skipped;
        return dataset;
    }

    /// <summary>The first API held one image tensor; disposing it now releases every group (same as <see cref="Dispose"/>).</summary>
    public IDisposable Images => this;

    public void Dispose()
    {
        foreach (var g in Groups) g.Images.Dispose();
    }

    /// <summary>Every row of the bucketed shards of one resolution (dataprep ingest output, local or s3://), up to
    /// <paramref name="limit"/>.</summary>
    public static async Task<List<BucketRow>> ReadRowsAsync(IBlobStore store, int resolution, int limit = int.MaxValue,
        CancellationToken ct = default)
    {
        var reader = await BucketBatchReader.OpenAsync(store, resolution, new BucketBatchOptions(64, Seed: 0, DropLast: false), ct);
        var rows = new List<BucketRow>();
        await foreach (var batch in reader.ReadAsync(new BucketReaderPosition(0, 0), epochs: 1, ct))
        {
            rows.AddRange(batch.Rows.Take(limit - rows.Count));
            if (rows.Count >= limit) break;
        }
        return rows;
    }
}
