namespace T2I.Core.Text;

/// <summary>FLUX's pairing: the T5 last hidden state as the sequence, CLIP's pooled EOS state as the vector.</summary>
public sealed class FluxTextEncoder : ITextEncoder
{
    private readonly ITextEncoder _sequence;
    private readonly ITextEncoder _pooled;

    public FluxTextEncoder(ITextEncoder sequence, ITextEncoder pooled) => (_sequence, _pooled) = (sequence, pooled);

    /// <summary>
    /// Loads T5 from <paramref name="t5Folder"/> and CLIP from <paramref name="clipFolder"/> (HF layouts); T5 keeps at most
    /// <paramref name="maxT5Tokens"/> tokens per prompt (null: its config's).
    /// </summary>
    public static FluxTextEncoder Load(string t5Folder, string clipFolder, int? maxT5Tokens = null) =>
        new(T5Encoder.Load(t5Folder, maxT5Tokens), ClipTextEncoder.Load(clipFolder));

    public int SequenceDim => _sequence.SequenceDim;
    public int PooledDim => _pooled.PooledDim;
    public string Name => $"{_sequence.Name}+{_pooled.Name}";

    public TextEncoding Encode(IReadOnlyList<string> prompts)
    {
        var seq = _sequence.Encode(prompts);
        using var pool = _pooled.Encode(prompts);
        seq.Pooled.Dispose();
        return seq with { Pooled = pool.Pooled.alias() };
    }
}
