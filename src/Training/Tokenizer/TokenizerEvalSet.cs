using T2I.Core.Data;
using static TorchSharp.torch;

namespace T2I.Training.Tokenizer;

/// <summary>
/// A fixed evaluation set read once from bucketed shards (one pass, seeded order): image batches resized to the
/// buckets of one resolution, and the string value of each requested label field per sample (null = unlabelled).
/// </summary>
public sealed class TokenizerEvalSet : IDisposable
{
    private readonly List<Tensor> batches = new();
    private readonly Dictionary<string, List<string?>> labels;

    private TokenizerEvalSet(IEnumerable<string> fields) => labels = fields.Distinct().ToDictionary(f => f, _ => new List<string?>());

    /// <summary>Image batches [n,3,H,W] in [-1,1], one bucket each, in reading order.</summary>
    public IReadOnlyList<Tensor> Batches => batches;
    public int Count => batches.Sum(b => (int)b.shape[0]);
    public IReadOnlyCollection<string> Fields => labels.Keys;

    public static TokenizerEvalSet Read(BucketBatchReader reader, int resolution, int maxSamples, IEnumerable<string> fields)
    {
        var set = new TokenizerEvalSet(fields);
        var enumerator = reader.ReadAsync(BucketReaderPosition.Start, epochs: 1).GetAsyncEnumerator();
        try
        {
            while (set.Count < maxSamples && enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                var batch = enumerator.Current;
                int take = Math.Min(batch.Rows.Count, maxSamples - set.Count);
                using var images = TokenizerBatch.DecodeImages(batch, resolution);
                set.batches.Add(images.narrow(0, 0, take).clone().DetachFromDisposeScope());
                foreach (var (field, values) in set.labels)
                    values.AddRange(batch.Rows.Take(take).Select(r => r.Label(field)));
            }
        }
        finally { enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        if (set.Count == 0) throw new InvalidOperationException("The evaluation data has no images.");
        return set;
    }

    /// <summary>Samples labelled in <paramref name="field"/> and their class indices (classes = the sorted distinct values).</summary>
    public (long[] Rows, int[] Classes, string[] Names) Labelled(string field)
    {
        var values = labels[field];
        var names = values.OfType<string>().Distinct().Order(StringComparer.Ordinal).ToArray();
        var rows = Enumerable.Range(0, values.Count).Where(i => values[i] is not null).ToArray();
        return (rows.Select(i => (long)i).ToArray(), rows.Select(i => Array.IndexOf(names, values[i])).ToArray(), names);
    }

    public void Dispose()
    {
        foreach (var b in batches) b.Dispose();
        batches.Clear();
    }
}
