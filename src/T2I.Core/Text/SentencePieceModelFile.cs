using Microsoft.ML.Tokenizers;

namespace T2I.Core.Text;

/// <summary>
/// Opens a SentencePiece <c>.model</c> (protobuf ModelProto) with Microsoft.ML.Tokenizers. T5's model declares
/// no BOS (<c>trainer_spec.bos_id = -1</c>), which that library's unigram loader indexes and crashes on; since
/// T5 never emits BOS, the id is pointed at EOS before loading (BOS emission stays off).
/// </summary>
public static class SentencePieceModelFile
{
    private const int TrainerSpecField = 2, BosIdField = 41, EosIdField = 42;

    public static SentencePieceTokenizer Open(string path, bool addBos = false, bool addEos = true)
    {
        var bytes = File.ReadAllBytes(path);
        using var stream = new MemoryStream(WithoutNegativeBos(bytes));
        return SentencePieceTokenizer.Create(stream, addBos, addEos);
    }

    /// <summary>The model bytes with a negative bos_id replaced by eos_id (default 2); other bytes unchanged.</summary>
    public static byte[] WithoutNegativeBos(byte[] model)
    {
        var output = new MemoryStream(model.Length + 16);
        foreach (var field in Fields(model))
        {
            if (field.Number == TrainerSpecField && field.Wire == 2)
            {
                var spec = RewriteTrainerSpec(field.Payload);
                WriteVarint(output, (ulong)((TrainerSpecField << 3) | 2));
                WriteVarint(output, (ulong)spec.Length);
                output.Write(spec);
            }
            else output.Write(field.Raw);
        }
        return output.ToArray();
    }

    private static byte[] RewriteTrainerSpec(byte[] spec)
    {
        var fields = Fields(spec).ToList();
        var bos = fields.FirstOrDefault(f => f.Number == BosIdField && f.Wire == 0);
        if (bos is null || (long)bos.Value >= 0) return spec;
        ulong eos = fields.FirstOrDefault(f => f.Number == EosIdField && f.Wire == 0)?.Value ?? 2;
        var output = new MemoryStream(spec.Length);
        foreach (var f in fields)
        {
            if (!ReferenceEquals(f, bos)) { output.Write(f.Raw); continue; }
            WriteVarint(output, (ulong)(BosIdField << 3));
            WriteVarint(output, eos);
        }
        return output.ToArray();
    }

    private sealed record Field(int Number, int Wire, ulong Value, byte[] Payload, byte[] Raw);

    private static IEnumerable<Field> Fields(byte[] data)
    {
        int pos = 0;
        while (pos < data.Length)
        {
            int start = pos;
            ulong key = ReadVarint(data, ref pos);
            int number = (int)(key >> 3), wire = (int)(key & 7);
            ulong value = 0;
            byte[] payload = Array.Empty<byte>();
            switch (wire)
            {
                case 0: value = ReadVarint(data, ref pos); break;
                case 1: pos += 8; break;
                case 5: pos += 4; break;
                case 2:
                    int length = checked((int)ReadVarint(data, ref pos));
                    if (pos + length > data.Length) throw new InvalidDataException("SentencePiece model is truncated.");
                    payload = data.AsSpan(pos, length).ToArray();
                    pos += length;
                    break;
                default: throw new InvalidDataException($"SentencePiece model has an unsupported protobuf wire type {wire}.");
            }
            if (pos > data.Length) throw new InvalidDataException("SentencePiece model is truncated.");
            yield return new Field(number, wire, value, payload, data.AsSpan(start, pos - start).ToArray());
        }
    }

    private static ulong ReadVarint(byte[] data, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= data.Length) throw new InvalidDataException("SentencePiece model is truncated.");
            byte b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new InvalidDataException("SentencePiece model has a malformed varint.");
    }

    private static void WriteVarint(Stream s, ulong v)
    {
        while (v >= 0x80) { s.WriteByte((byte)(v | 0x80)); v >>= 7; }
        s.WriteByte((byte)v);
    }
}
