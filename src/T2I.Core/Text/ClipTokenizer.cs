using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace T2I.Core.Text;

/// <summary>
/// CLIP's BPE over <c>vocab.json</c> + <c>merges.txt</c>: lower-cased, whitespace-collapsed text split into
/// words, each word mapped byte-wise to printable unicode (GPT-2's byte table), merged by Microsoft.ML.Tokenizers'
/// BPE with the end-of-word suffix <c>&lt;/w&gt;</c>; wrapped in start/end tokens and truncated to the context.
/// </summary>
public sealed partial class ClipTokenizer
{
    private static readonly string[] ByteToChar = BuildByteTable();
    private readonly BpeTokenizer _bpe;
    private readonly int _bos, _eos, _maxLength;

    public ClipTokenizer(Stream vocabJson, Stream merges, int bosId, int eosId, int maxLength = 77)
    {
        _bpe = BpeTokenizer.Create(vocabJson, merges, PreTokenizer.CreateWhiteSpace(), null, null, null, null, "</w>", false);
        (_bos, _eos, _maxLength) = (bosId, eosId, maxLength);
    }

    public static ClipTokenizer FromFolder(string folder, ClipTextConfig config)
    {
        using var vocab = File.OpenRead(Path.Combine(folder, "vocab.json"));
        using var merges = File.OpenRead(Path.Combine(folder, "merges.txt"));
        return new ClipTokenizer(vocab, merges, config.BosTokenId, config.EosTokenId, config.MaxPositions);
    }

    public int EosId => _eos;

    /// <summary>[BOS, tokens…, EOS], at most the context length (EOS kept when truncating).</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        var ids = new List<int> { _bos };
        string clean = WhiteSpace().Replace(text.Trim(), " ").ToLowerInvariant();
        var words = Words().Matches(clean).Select(m => string.Concat(Encoding.UTF8.GetBytes(m.Value).Select(b => ByteToChar[b])));
        foreach (var word in words) ids.AddRange(_bpe.EncodeToIds(word));
        if (ids.Count > _maxLength - 1) ids.RemoveRange(_maxLength - 1, ids.Count - (_maxLength - 1));
        ids.Add(_eos);
        return ids;
    }

    /// <summary>GPT-2 byte→unicode table: printable bytes map to themselves, the rest to code points from 256 up.</summary>
    private static string[] BuildByteTable()
    {
        var table = new string[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = ((char)(printable ? b : 256 + next++)).ToString();
        }
        return table;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();

    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase)]
    private static partial Regex Words();
}
