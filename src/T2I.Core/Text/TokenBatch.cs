using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Text;

/// <summary>Right-padded token ids [N, L] and their mask [N, L], L = the longest row (at least 1).</summary>
public static class TokenBatch
{
    public static (Tensor Ids, Tensor Mask) Pad(IReadOnlyList<IReadOnlyList<int>> rows, int padId, Device? device = null)
    {
        int length = Math.Max(1, rows.Count == 0 ? 1 : rows.Max(r => r.Count));
        var ids = new long[rows.Count * length];
        var mask = new bool[rows.Count * length];
        for (int i = 0; i < rows.Count; i++)
            for (int j = 0; j < length; j++)
            {
                bool real = j < rows[i].Count;
                ids[i * length + j] = real ? rows[i][j] : padId;
                mask[i * length + j] = real;
            }
        return (tensor(ids, new long[] { rows.Count, length }, device: device), tensor(mask, new long[] { rows.Count, length },
            device: device));
    }

    /// <summary>Additive attention bias [N, 1, 1, L]: 0 for real keys, a large negative for padding.</summary>
    public static Tensor KeyBias(Tensor mask, ScalarType dtype) =>
        mask.logical_not().to_type(dtype).Times(-1e9).unsqueeze(1).unsqueeze(1);
}
