using TorchSharp;
using TorchSharp.Modules;
using T2I.Core.TorchSharpFixes;
using static TorchSharp.torch;

namespace T2I.Core.Pretrained.MiniLm;

/// <summary>Word + position + token-type embeddings, then LayerNorm (field names are the upstream keys).</summary>
public sealed class BertEmbeddings : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // upstream key names
    public Embedding word_embeddings;
    public Embedding position_embeddings;
    public Embedding token_type_embeddings;
    public LayerNorm LayerNorm;
#pragma warning restore IDE1006

    public BertEmbeddings(BertConfig config) : base(nameof(BertEmbeddings))
    {
        word_embeddings = nn.Embedding(config.VocabSize, config.Hidden);
        position_embeddings = nn.Embedding(config.MaxPositions, config.Hidden);
        token_type_embeddings = nn.Embedding(config.TypeVocabSize, config.Hidden);
        LayerNorm = nn.LayerNorm(config.Hidden, eps: config.LayerNormEps);
        RegisterComponents();
    }

    /// <param name="ids">[N, L] token ids; every token has type 0 (single sentences).</param>
    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var positions = arange(ids.shape[1], dtype: int64, device: ids.device).unsqueeze(0);
        var types = zeros_like(ids);
        var sum = word_embeddings.forward(ids).Plus(token_type_embeddings.forward(types)).Plus(position_embeddings.forward(positions));
        return LayerNorm.forward(sum).MoveToOuterDisposeScope();
    }
}
