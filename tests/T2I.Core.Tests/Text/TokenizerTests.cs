using Microsoft.ML.Tokenizers;
using T2I.Core.Text;

namespace T2I.Core.Tests.Text;

public class TokenizerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2i-tok-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SentencePieceModelTokenizesLikeT5WithEos()
    {
        string path = Path.Combine(_dir, "spiece.model");
        TinyTokenizerFiles.WriteSentencePiece(path);
        // T5 declares bos_id = -1; the raw library loader fails on it, ours must not
        Assert.ThrowsAny<Exception>(() => SentencePieceTokenizer.Create(File.OpenRead(path), false, true));
        var tok = SentencePieceModelFile.Open(path);
        var ids = tok.EncodeToIds("a red cat").ToArray();
        int Id(string piece) => 3 + Array.IndexOf(TinyTokenizerFiles.T5Pieces, piece);
        Assert.Equal(new[] { Id("▁a"), Id("▁red"), Id("▁cat"), 1 }, ids);
        // an unknown word splits into known characters or <unk>, never throws
        Assert.Equal(1, tok.EncodeToIds("cats").Last());
    }

    [Fact]
    public void ClipBpeMergesWordsWithEndOfWordSuffix()
    {
        TinyTokenizerFiles.WriteClipBpe(_dir);
        var tok = ClipTokenizer.FromFolder(_dir, ClipTextConfig.VitL14 with { BosTokenId = 0, EosTokenId = 1, MaxPositions = 8 });
        var vocab = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(_dir, "vocab.json")))!;
        var ids = tok.Encode("  A RED   cat and blue ");
        Assert.Equal(new[] { 0, vocab["a</w>"], vocab["red</w>"], vocab["cat</w>"], vocab["and</w>"], vocab["blue</w>"], 1 }, ids);
        var truncated = tok.Encode("red red red red red red red red red");
        Assert.Equal(8, truncated.Count);
        Assert.Equal(1, truncated[^1]);
    }

    [Fact]
    public void BuiltinVocabularyKeepsSeenIdsAndMapsTheRestToUnk()
    {
        var vocab = BuiltinVocabulary.Build(new[] { "a red circle", "a blue square", "A  Red square" });
        var red = vocab.Encode("a red square", 16);
        Assert.Equal(4, red.Count);
        Assert.All(red.Take(3), row => Assert.True(row >= BuiltinVocabulary.Reserved));
        Assert.Equal(BuiltinVocabulary.Eos, red[^1]);
        Assert.Equal(red, vocab.Encode("A RED  square", 16));
        var unseen = vocab.Encode("a purple hexagon", 16);
        Assert.Contains(BuiltinVocabulary.Unk, unseen);
        Assert.Equal(new[] { BuiltinVocabulary.Eos }, vocab.Encode("", 16));
        Assert.Equal(3, vocab.Encode("a red square blue circle", 3).Count);
        Assert.Equal(vocab.TokenIds, BuiltinVocabulary.Build(new[] { "a red circle", "a blue square", "A  Red square" }).TokenIds);
    }
}
