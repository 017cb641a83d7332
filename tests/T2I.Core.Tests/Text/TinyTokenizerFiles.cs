using System.Text;
using System.Text.Json;

namespace T2I.Core.Tests.Text;

/// <summary>Writes tiny but real tokenizer files: a SentencePiece unigram ModelProto and CLIP vocab.json + merges.txt.</summary>
internal static class TinyTokenizerFiles
{
    /// <summary>T5-style pieces: pad 0, eos 1, unk 2, then the given pieces (▁ marks a word start).</summary>
    public static readonly string[] T5Pieces = { "▁a", "▁red", "▁cat", "▁blue", "▁", "r", "e", "d", "c", "a", "t", "s" };

    public static void WriteSentencePiece(string path)
    {
        var model = new MemoryStream();
        void Piece(string text, float score, int type)
        {
            var p = new MemoryStream();
            WriteString(p, 1, text);
            WriteTag(p, 2, 5); p.Write(BitConverter.GetBytes(score));
            WriteVarintField(p, 3, type);
            WriteBytes(model, 1, p.ToArray());
        }
        Piece("<pad>", 0, 3);
        Piece("</s>", 0, 3);
        Piece("<unk>", 0, 2);
        for (int i = 0; i < T5Pieces.Length; i++) Piece(T5Pieces[i], T5Pieces[i].Length > 2 ? -1f - i * 0.1f : -5f - i * 0.1f, 1);

        var trainer = new MemoryStream();
        WriteVarintField(trainer, 3, 1); // model_type = UNIGRAM
        WriteVarintField(trainer, 4, 3 + T5Pieces.Length);
        WriteVarintField(trainer, 40, 2); // unk_id
        WriteVarintField(trainer, 41, -1); // bos_id: none, as in T5
        WriteVarintField(trainer, 42, 1); // eos_id
        WriteVarintField(trainer, 43, 0); // pad_id
        WriteBytes(model, 2, trainer.ToArray());

        var normalizer = new MemoryStream();
        WriteString(normalizer, 1, "identity");
        WriteVarintField(normalizer, 3, 1); // add_dummy_prefix
        WriteVarintField(normalizer, 4, 1); // remove_extra_whitespaces
        WriteVarintField(normalizer, 5, 1); // escape_whitespaces
        WriteBytes(model, 3, normalizer.ToArray());
        File.WriteAllBytes(path, model.ToArray());
    }

    /// <summary>CLIP BPE: specials at 0/1, single characters, then merged words (all with the &lt;/w&gt; suffix where final).</summary>
    public static void WriteClipBpe(string folder)
    {
        var tokens = new List<string> { "<|startoftext|>", "<|endoftext|>" };
        foreach (char c in "abcdeilnortu") { tokens.Add(c.ToString()); tokens.Add(c + "</w>"); }
        string[] merges = { "r e", "re d</w>", "c a", "ca t</w>", "b l", "bl u", "blu e</w>", "a n", "an d</w>" };
        foreach (var m in merges) tokens.Add(m.Replace(" ", ""));
        var vocab = tokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        File.WriteAllText(Path.Combine(folder, "vocab.json"), JsonSerializer.Serialize(vocab));
        File.WriteAllText(Path.Combine(folder, "merges.txt"), "#version: 0.2\n" + string.Join("\n", merges) + "\n");
    }

    private static void WriteTag(Stream s, int field, int wire) => WriteVarint(s, (ulong)((field << 3) | wire));

    private static void WriteVarintField(Stream s, int field, long value)
    {
        WriteTag(s, field, 0);
        WriteVarint(s, unchecked((ulong)value));
    }

    private static void WriteString(Stream s, int field, string value) => WriteBytes(s, field, Encoding.UTF8.GetBytes(value));

    private static void WriteBytes(Stream s, int field, byte[] value)
    {
        WriteTag(s, field, 2);
        WriteVarint(s, (ulong)value.Length);
        s.Write(value);
    }

    private static void WriteVarint(Stream s, ulong v)
    {
        while (v >= 0x80) { s.WriteByte((byte)(v | 0x80)); v >>= 7; }
        s.WriteByte((byte)v);
    }
}
