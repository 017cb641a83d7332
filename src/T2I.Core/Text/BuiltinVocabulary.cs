using Microsoft.ML.Tokenizers;

namespace T2I.Core.Text;

/// <summary>
/// o200k (the GPT-4o BPE shipped in Microsoft.ML.Tokenizers.Data.O200kBase) restricted to the ids seen in
/// training captions, so the built-in encoder's embedding table has a few thousand rows instead of 200k.
/// Rows 0–2 are reserved: PAD, UNK (any id not seen in training), EOS (appended to every prompt, so the empty
/// prompt still has one token).
/// </summary>
public sealed class BuiltinVocabulary
{
    public const int Pad = 0, Unk = 1, Eos = 2, Reserved = 3;
    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private readonly Dictionary<int, int> _rowOf;

    /// <summary>The o200k ids owning rows 3, 4, … in order.</summary>
    public IReadOnlyList<int> TokenIds { get; }

    public int Size => Reserved + TokenIds.Count;

    public BuiltinVocabulary(IReadOnlyList<int> tokenIds)
    {
        TokenIds = tokenIds;
        _rowOf = new Dictionary<int, int>(tokenIds.Count);
        for (int i = 0; i < tokenIds.Count; i++)
            if (!_rowOf.TryAdd(tokenIds[i], Reserved + i)) throw new ArgumentException($"o200k id {tokenIds[i]} is listed twice.");
    }

    /// <summary>The most frequent ids of the captions (ties by id, so the result is deterministic).</summary>
    public static BuiltinVocabulary Build(IEnumerable<string> captions, int maxSize = 8192)
    {
        var counts = new Dictionary<int, int>();
        foreach (var caption in captions)
            foreach (int id in O200k.Value.EncodeToIds(Normalize(caption)))
                counts[id] = counts.GetValueOrDefault(id) + 1;
        var ids = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Take(maxSize).Select(kv => kv.Key).ToList();
        return new BuiltinVocabulary(ids);
    }

    /// <summary>Table rows for a prompt: o200k ids mapped (unseen → UNK), truncated, EOS appended.</summary>
    public IReadOnlyList<int> Encode(string prompt, int maxTokens)
    {
        var rows = O200k.Value.EncodeToIds(Normalize(prompt))
            .Select(id => _rowOf.TryGetValue(id, out int row) ? row : Unk)
            .Take(maxTokens - 1).ToList();
        rows.Add(Eos);
        return rows;
    }

    /// <summary>Case and spacing carry no meaning for our captions; folding them keeps the table small.</summary>
    private static string Normalize(string text) => string.Join(' ', text.ToLowerInvariant().Split((char[]?)null,
        StringSplitOptions.RemoveEmptyEntries));
}
