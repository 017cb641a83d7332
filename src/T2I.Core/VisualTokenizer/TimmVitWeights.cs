using T2I.Core.Checkpoints;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// Loads timm-layout ViT safetensors (<c>vit_large_patch14_reg4_dinov2</c>, <c>vit_large_patch14_dinov2</c>, …)
/// into a <see cref="VisionTransformer"/>. Keys are timm's own; a position table saved for another grid is
/// resampled (bicubic, antialiased, as timm does on load) to the model's pretrain grid. Classifier heads and
/// other non-encoder keys (<c>head.*</c>, <c>fc_norm.*</c>) are ignored; anything else must match exactly.
/// </summary>
public static class TimmVitWeights
{
    public static void LoadInto(VisionTransformer vit, string path)
    {
        using var scope = NewDisposeScope();
        var tensors = SafeTensors.Load(path, key =>
            key.StartsWith("head.", StringComparison.Ordinal) || key.StartsWith("fc_norm.", StringComparison.Ordinal) ? null : key);
        Apply(vit, tensors, $"timm ViT weights '{path}'");
    }

    /// <summary>Applies an in-memory timm state dict (used by <see cref="LoadInto"/>).</summary>
    public static void Apply(VisionTransformer vit, Dictionary<string, Tensor> tensors, string origin)
    {
        var c = vit.Config;
        if (tensors.TryGetValue("pos_embed", out var table))
        {
            int prefix = c.ClassTokenHasPosition ? 1 : 0;
            long gridRows = table.shape[1] - prefix;
            int side = (int)Math.Round(Math.Sqrt(gridRows));
            if ((long)side * side != gridRows)
                throw new InvalidDataException($"{origin}: pos_embed has {table.shape[1]} rows, not {prefix} + a square grid" +
                    (prefix == 0 ? " (a class-token row means this is a non-register checkpoint: use ClassTokenHasPosition)." : "."));
            tensors["pos_embed"] = PositionEmbedding.Resample(table, side, side, c.PretrainGrid, c.PretrainGrid, prefix);
        }
        StateDictCopy.Apply(vit, tensors, origin);
    }
}
