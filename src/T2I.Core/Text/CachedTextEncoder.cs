using static TorchSharp.torch;

namespace T2I.Core.Text;

/// <summary>
/// A frozen text encoder with a bounded cache of its outputs per prompt: a frozen encoder's output is a function of the
/// prompt alone, and a small dataset (emoji: ~9k captions) asks for the same captions every epoch. A prompt missing
/// from the cache is encoded on its own (batch of one, no padding), so a row's encoding never depends on which rows
/// shared its batch and a resumed run computes what the uninterrupted one did. At most <see cref="Capacity"/> prompts are
/// kept (least recently used dropped), so memory stays bounded however large the dataset.
/// </summary>
public sealed class CachedTextEncoder : ITextEncoder, IDisposable
{
    private sealed record Entry(Tensor Sequence, Tensor Pooled, LinkedListNode<string> Node);

    private readonly ITextEncoder _inner;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _recency = new();

    public CachedTextEncoder(ITextEncoder inner, int capacity)
    {
        if (capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "must hold at least one prompt");
        (_inner, Capacity) = (inner, capacity);
    }

    public int Capacity { get; }
    public int Count => _entries.Count;
    public long Hits { get; private set; }
    public long Misses { get; private set; }

    public int SequenceDim => _inner.SequenceDim;
    public int PooledDim => _inner.PooledDim;
    public string Name => _inner.Name;

    public TextEncoding Encode(IReadOnlyList<string> prompts)
    {
        var rows = prompts.Select(Lookup).ToList();
        long length = Math.Max(1, rows.Max(r => r.Sequence.shape[0]));
        using var scope = NewDisposeScope();
        var device = rows[0].Sequence.device;
        var sequence = zeros(new long[] { rows.Count, length, SequenceDim }, dtype: rows[0].Sequence.dtype, device: device);
        var mask = zeros(new long[] { rows.Count, length }, dtype: ScalarType.Bool, device: device);
        using (no_grad())
            for (int i = 0; i < rows.Count; i++)
            {
                long l = rows[i].Sequence.shape[0];
                sequence[i, TensorIndex.Slice(0, l)] = rows[i].Sequence;
                mask[i, TensorIndex.Slice(0, l)] = true;
            }
        var pooled = stack(rows.Select(r => r.Pooled).ToArray());
        // Evicted only now: a batch with more distinct prompts than the capacity still needs all of its rows above.
        while (_entries.Count > Capacity) Evict(_recency.Last!.Value);
        return new TextEncoding(sequence.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }

    private Entry Lookup(string prompt)
    {
        if (_entries.TryGetValue(prompt, out var hit))
        {
            Hits++;
            _recency.Remove(hit.Node);
            _recency.AddFirst(hit.Node);
            return hit;
        }
        Misses++;
        using var scope = NewDisposeScope();
        using var encoding = _inner.Encode([prompt]);
        // Only the real tokens: padding carries nothing the DiT reads (it masks keys), and one prompt has none.
        long real = encoding.Mask[0].sum().item<long>();
        var entry = new Entry(encoding.Sequence[0, TensorIndex.Slice(0, real)].detach().clone().DetachFromDisposeScope(),
            encoding.Pooled[0].detach().clone().DetachFromDisposeScope(), new LinkedListNode<string>(prompt));
        _entries[prompt] = entry;
        _recency.AddFirst(entry.Node);
        return entry;
    }

    private void Evict(string prompt)
    {
        var entry = _entries[prompt];
        _entries.Remove(prompt);
        _recency.Remove(entry.Node);
        entry.Sequence.Dispose();
        entry.Pooled.Dispose();
    }

    public void Dispose()
    {
        foreach (var prompt in _entries.Keys.ToList()) Evict(prompt);
        if (_inner is IDisposable d) d.Dispose();
    }
}
