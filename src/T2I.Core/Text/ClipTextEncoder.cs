using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.Text;

public sealed class ClipTextEmbeddings : nn.Module
{
    public Embedding token_embedding;
    public Embedding position_embedding;

    public ClipTextEmbeddings(ClipTextConfig config) : base(nameof(ClipTextEmbeddings))
    {
        token_embedding = nn.Embedding(config.VocabSize, config.HiddenSize);
        position_embedding = nn.Embedding(config.MaxPositions, config.HiddenSize);
        RegisterComponents();
    }
}

public sealed class ClipEncoder : nn.Module
{
    public ModuleList<ClipEncoderLayer> layers;

    public ClipEncoder(ClipTextConfig config) : base(nameof(ClipEncoder))
    {
        layers = new ModuleList<ClipEncoderLayer>(Enumerable.Range(0, config.NumLayers).Select(_ =>
            new ClipEncoderLayer(config)).ToArray());
        RegisterComponents();
    }
}

/// <summary>The module under <c>text_model.</c>.</summary>
public sealed class ClipTextTransformer : nn.Module
{
    public ClipTextEmbeddings embeddings;
    public ClipEncoder encoder;
    public LayerNorm final_layer_norm;

    public ClipTextTransformer(ClipTextConfig config) : base(nameof(ClipTextTransformer))
    {
        embeddings = new ClipTextEmbeddings(config);
        encoder = new ClipEncoder(config);
        final_layer_norm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        RegisterComponents();
    }
}

/// <summary>
/// HF <c>CLIPTextModel</c>: causal transformer, sequence = final-normed hidden states, pooled = the hidden state
/// at the (first) EOS token — FLUX's global text vector.
/// </summary>
public sealed class ClipTextEncoder : nn.Module, ITextEncoder
{
    private readonly ClipTokenizer? _tokenizer;
    public ClipTextConfig Config { get; }
    public ClipTextTransformer text_model;

    public ClipTextEncoder(ClipTextConfig config, ClipTokenizer? tokenizer = null) : base(nameof(ClipTextEncoder))
    {
        Config = config;
        _tokenizer = tokenizer;
        text_model = new ClipTextTransformer(config);
        RegisterComponents();
    }

    public int SequenceDim => Config.HiddenSize;
    public int PooledDim => Config.HiddenSize;
    public string Name => "clip";

    /// <summary>Loads an HF folder: <c>config.json</c>, <c>vocab.json</c>, <c>merges.txt</c>, <c>model.safetensors</c>.
    /// Keys outside <c>text_model.</c> (vision tower, projections) and the <c>position_ids</c> buffer are skipped.</summary>
    public static ClipTextEncoder Load(string folder)
    {
        var config = ClipTextConfig.FromHfJson(Path.Combine(folder, "config.json"));
        var model = new ClipTextEncoder(config, ClipTokenizer.FromFolder(folder, config));
        PretrainedWeights.Load(model, folder, key =>
            key.StartsWith("text_model.", StringComparison.Ordinal) && !key.EndsWith("position_ids", StringComparison.Ordinal)
                ? key : null);
        return model;
    }

    public TextEncoding Encode(IReadOnlyList<string> prompts)
    {
        if (_tokenizer is null) throw new InvalidOperationException("This CLIP encoder was built without a tokenizer.");
        var (ids, mask) = TokenBatch.Pad(prompts.Select(_tokenizer.Encode).ToList(), Config.EosTokenId,
            text_model.final_layer_norm.weight!.device);
        return EncodeIds(ids, mask);
    }

    public TextEncoding EncodeIds(Tensor ids, Tensor mask)
    {
        using var scope = NewDisposeScope();
        long n = ids.shape[0], l = ids.shape[1];
        if (l > Config.MaxPositions) throw new ArgumentException($"CLIP takes at most {Config.MaxPositions} tokens, got {l}.");
        var emb = text_model.embeddings;
        var x = emb.token_embedding.forward(ids) + emb.position_embedding.forward(arange(l, device: ids.device)).unsqueeze(0);
        var causal = triu(full(l, l, -1e9f, device: ids.device), diagonal: 1).to_type(x.dtype).unsqueeze(0).unsqueeze(0);
        var bias = causal + TokenBatch.KeyBias(mask, x.dtype);
        foreach (var layer in text_model.encoder.layers) x = layer.forward(x, bias);
        x = text_model.final_layer_norm.forward(x);
        // pooled: the first EOS of each row (rows without one fall back to the last real token)
        var isEos = ids.eq(Config.EosTokenId).logical_and(mask);
        var lastReal = mask.to_type(ScalarType.Int64).sum(1) - 1;
        var firstEos = where(isEos.any(1), isEos.to_type(ScalarType.Int64).argmax(1), lastReal);
        var pooled = x[arange(n, device: ids.device), firstEos];
        return new TextEncoding(x.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope(), mask.alias().MoveToOuterDisposeScope());
    }
}
