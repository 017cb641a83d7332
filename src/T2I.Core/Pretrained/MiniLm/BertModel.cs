using TorchSharp;
using TorchSharp.Modules;
using T2I.Core.TorchSharpFixes;
using static TorchSharp.torch;

namespace T2I.Core.Pretrained.MiniLm;

/// <summary>
/// BERT's encoder without the pooler: token states for every position, and the masked mean of them that
/// sentence-transformers uses as the sentence embedding. State-dict keys equal the upstream ones.
/// </summary>
public sealed class BertModel : nn.Module
{
    /// <summary>What the upstream graph adds to padded keys' attention logits (read from the export: (1 − mask) · −10000).</summary>
    public const double PaddingBias = -10000;

    public BertConfig Config { get; }
#pragma warning disable IDE1006 // upstream key names
    public BertEmbeddings embeddings;
    public ModuleDict<ModuleList<BertLayer>> encoder;
#pragma warning restore IDE1006

    public BertModel(BertConfig config) : base(nameof(BertModel))
    {
        Config = config;
        embeddings = new BertEmbeddings(config);
        encoder = nn.ModuleDict(("layer", nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new BertLayer(config)).ToArray())));
        RegisterComponents();
    }

    /// <param name="ids">[N, L] token ids.</param>
    /// <param name="mask">[N, L] boolean, true = real token.</param>
    /// <returns>Token states [N, L, Hidden].</returns>
    public Tensor forward(Tensor ids, Tensor mask)
    {
        if (ids.shape[1] > Config.MaxPositions)
            throw new ArgumentException($"{ids.shape[1]} tokens; BERT takes at most {Config.MaxPositions}.", nameof(ids));
        using var scope = NewDisposeScope();
        var h = embeddings.forward(ids);
        var keyBias = mask.logical_not().to(h.dtype).Times(PaddingBias).view(mask.shape[0], 1, 1, mask.shape[1]);
        foreach (var layer in encoder["layer"]) h = layer.forward(h, keyBias);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>Mean of the real tokens' states, L2-normalised: the sentence embedding all-MiniLM-L6-v2 is trained for.</summary>
    public static Tensor MeanPool(Tensor states, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var weights = mask.to(states.dtype).unsqueeze(-1);
        var mean = (states * weights).sum(1) / weights.sum(1).ClampMin(1e-9);
        return nn.functional.normalize(mean, dim: -1).MoveToOuterDisposeScope();
    }
}
