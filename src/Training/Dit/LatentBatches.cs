using System.Text.Json.Nodes;
using T2I.Training.Loop;
using static TorchSharp.torch;

namespace T2I.Training.Dit;

/// <summary>
/// One training batch: latents of a single bucket, their captions and, per row, the short label caption
/// ("a red circle", from the row's labels; null without labels).
/// </summary>
public sealed record DitBatch(Tensor Latents, IReadOnlyList<string> Captions, IReadOnlyList<string?> ShortCaptions) : IDisposable
{
    public void Dispose() => Latents.Dispose();
}

/// <summary>
/// Endless, deterministic batches over cached latents, one bucket per batch. Each epoch shuffles within
/// buckets and then the order of batches (seeded by epoch); a bucket smaller than the batch wraps around.
/// The position (epoch, batch) is what checkpoints save.
/// </summary>
public sealed class LatentBatches : IDataSource<DitBatch>
{
    private readonly IReadOnlyList<LatentBucket> _buckets;
    private readonly int _batchSize;
    private readonly int _seed;
    private readonly Device _device;
    private List<(int Bucket, long[] Rows)> _plan;
    private int _epoch;
    private int _next;

    public LatentBatches(IReadOnlyList<LatentBucket> buckets, int batchSize, int seed, Device device)
    {
        if (buckets.Count == 0) throw new ArgumentException("No latents to train on.");
        (_buckets, _batchSize, _seed, _device) = (buckets, batchSize, seed, device);
        _plan = Plan(0);
    }

    public int BatchesPerEpoch => _plan.Count;

    public DitBatch Next()
    {
        if (_next >= _plan.Count) { _epoch++; _next = 0; _plan = Plan(_epoch); }
        var (bucket, rows) = _plan[_next++];
        var b = _buckets[bucket];
        using var index = tensor(rows);
        return new DitBatch(b.Latents.index_select(0, index).to(_device), rows.Select(r => b.Captions[(int)r]).ToList(),
            rows.Select(r => ShortCaption(b.Labels[(int)r])).ToList());
    }

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

    private List<(int, long[])> Plan(int epoch)
    {
        // HashCode.Combine is randomised per process, which would break resume; plain arithmetic is not.
        var rng = new Random(unchecked(_seed * 1_000_003 + epoch));
        var plan = new List<(int, long[])>();
        for (int b = 0; b < _buckets.Count; b++)
        {
            long n = _buckets[b].Latents.shape[0];
            var order = Enumerable.Range(0, (int)n).Select(i => (long)i).OrderBy(_ => rng.Next()).ToArray();
            int batches = (int)Math.Max(1, n / _batchSize);
            for (int i = 0; i < batches; i++)
                plan.Add((b, Enumerable.Range(i * _batchSize, _batchSize).Select(j => order[j % n]).ToArray()));
        }
        return plan.OrderBy(_ => rng.Next()).ToList();
    }

    public JsonNode SavePosition() => new JsonObject { ["epoch"] = _epoch, ["batch"] = _next };

    public void RestorePosition(JsonNode position)
    {
        _epoch = position["epoch"]?.GetValue<int>() ?? throw new InvalidDataException("DiT data position lacks epoch.");
        _next = position["batch"]?.GetValue<int>() ?? throw new InvalidDataException("DiT data position lacks batch.");
        _plan = Plan(_epoch);
    }
}
