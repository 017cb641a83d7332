using Microsoft.ML.Tokenizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace T2I.Core.Text;

/// <summary>The stack under <c>encoder.</c>: blocks and the final RMS norm.</summary>
public sealed class T5Stack : nn.Module
{
    public ModuleList<T5Block> block;
    public T5LayerNorm final_layer_norm;

    public T5Stack(T5Config config) : base(nameof(T5Stack))
    {
        block = new ModuleList<T5Block>(Enumerable.Range(0, config.NumLayers).Select(i => new T5Block(config, i == 0)).ToArray());
        final_layer_norm = new T5LayerNorm(config.DModel, config.LayerNormEpsilon);
        RegisterComponents();
    }
}

/// <summary>
/// HF <c>T5EncoderModel</c> (keys <c>shared.weight</c>, <c>encoder.block.N.layer.…</c>, <c>encoder.final_layer_norm.weight</c>)
/// with its SentencePiece tokenizer. As an <see cref="ITextEncoder"/> the sequence is the last hidden state and
/// the pooled vector the masked mean (FLUX takes its pooled vector from CLIP instead; see <see cref="FluxTextEncoder"/>).
/// </summary>
public sealed class T5Encoder : nn.Module, ITextEncoder
{
    private readonly Tokenizer? _tokenizer;
    public T5Config Config { get; }
    public Embedding shared;
    public T5Stack encoder;

    public T5Encoder(T5Config config, Tokenizer? tokenizer = null) : base(nameof(T5Encoder))
    {
        Config = config;
        _tokenizer = tokenizer;
        shared = nn.Embedding(config.VocabSize, config.DModel);
        encoder = new T5Stack(config);
        RegisterComponents();
    }

    public int SequenceDim => Config.DModel;
    public int PooledDim => Config.DModel;
    public string Name => "t5";

    /// <summary>
    /// Loads an HF folder: <c>config.json</c>, <c>spiece.model</c> and <c>model.safetensors</c> (or shards).
    /// The tied <c>encoder.embed_tokens.weight</c> copy, where present, is skipped.
    /// </summary>
    /// <summary>Loads an HF folder; <paramref name="maxTokens"/> caps a prompt's tokens (null: the config's 512).</summary>
    public static T5Encoder Load(string folder, int? maxTokens = null)
    {
        var config = T5Config.FromHfJson(Path.Combine(folder, "config.json"));
        if (maxTokens is { } cap) config = config with { MaxLength = cap };
        var tokenizer = SentencePieceModelFile.Open(Path.Combine(folder, "spiece.model"));
        var model = new T5Encoder(config, tokenizer);
        PretrainedWeights.Load(model, folder, key => key == "encoder.embed_tokens.weight" ? null : key);
        return model;
    }

    /// <summary>Token ids (with EOS) per prompt, truncated to the max length.</summary>
    public IReadOnlyList<int> Tokenize(string prompt)
    {
        if (_tokenizer is null) throw new InvalidOperationException("This T5 encoder was built without a tokenizer.");
        var ids = _tokenizer.EncodeToIds(prompt).ToList();
        return ids.Count <= Config.MaxLength ? ids : ids.Take(Config.MaxLength - 1).Append(ids[^1]).ToList();
    }

    public TextEncoding Encode(IReadOnlyList<string> prompts)
    {
        var (ids, mask) = TokenBatch.Pad(prompts.Select(Tokenize).ToList(), padId: 0, shared.weight!.device);
        return EncodeIds(ids, mask);
    }

    /// <summary>Last hidden state [N, L, d_model] for ids [N, L] with mask [N, L].</summary>
    public TextEncoding EncodeIds(Tensor ids, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var x = shared.forward(ids);
        var bias = encoder.block[0].Attention.PositionBias(ids.shape[1], ids.device).to_type(x.dtype)
                   + TokenBatch.KeyBias(mask, x.dtype);
        foreach (var block in encoder.block) x = block.forward(x, bias);
        x = encoder.final_layer_norm.forward(x);
        var m = mask.unsqueeze(-1).to_type(x.dtype);
        var pooled = (x * m).sum(1) / m.sum(1).clamp_min(1);
        return new TextEncoding(x.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope(), mask.alias().MoveToOuterDisposeScope());
    }
}
