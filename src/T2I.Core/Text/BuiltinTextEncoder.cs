using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.Checkpoints;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Text;

/// <summary>Shape of the built-in text encoder. Width is both the sequence and the pooled width.</summary>
public sealed record BuiltinTextConfig(int Width = 128, int Layers = 2, int Heads = 4, int MaxTokens = 32)
{
    public static BuiltinTextConfig Tiny { get; } = new(64, 1, 2, 16);
}

/// <summary>
/// Small transformer text encoder trained jointly with a tiny DiT (no pretrained T5/CLIP is reachable here).
/// Sequence = final hidden states; pooled = projection of the masked mean. The vocabulary map travels with
/// the weights as the <c>vocab_ids</c> buffer, so a checkpoint is self-contained.
/// </summary>
public sealed class BuiltinTextEncoder : nn.Module, ITextEncoder
{
    public BuiltinTextConfig Config { get; }
    public BuiltinVocabulary Vocabulary { get; }
    public Embedding token_embedding;
    public Parameter position_embedding;
    public ModuleList<TransformerTextBlock> layers;
    public LayerNorm final_norm;
    public Linear pool_proj;

    public BuiltinTextEncoder(BuiltinTextConfig config, BuiltinVocabulary vocabulary) : base(nameof(BuiltinTextEncoder))
    {
        Config = config;
        Vocabulary = vocabulary;
        token_embedding = nn.Embedding(vocabulary.Size, config.Width);
        position_embedding = nn.Parameter(randn(config.MaxTokens, config.Width) * 0.02);
        layers = new ModuleList<TransformerTextBlock>(Enumerable.Range(0, config.Layers)
            .Select(_ => new TransformerTextBlock(config.Width, config.Heads)).ToArray());
        final_norm = nn.LayerNorm(config.Width);
        pool_proj = nn.Linear(config.Width, config.Width);
        register_buffer("vocab_ids", tensor(vocabulary.TokenIds.Select(i => (long)i).ToArray()));
        RegisterComponents();
        using var noGrad = no_grad();
        token_embedding.weight!.normal_(0, 0.02);
    }

    public int SequenceDim => Config.Width;
    public int PooledDim => Config.Width;
    public string Name => "builtin-o200k";

    public TextEncoding Encode(IReadOnlyList<string> prompts)
    {
        var device = token_embedding.weight!.device;
        var (ids, mask) = TokenBatch.Pad(prompts.Select(p => Vocabulary.Encode(p, Config.MaxTokens)).ToList(),
            BuiltinVocabulary.Pad, device);
        using var scope = NewDisposeScope();
        long l = ids.shape[1];
        var x = token_embedding.forward(ids).Plus(position_embedding[..(int)l].unsqueeze(0)); // Scalar-free: ScalarSafe
        var keyMask = mask.unsqueeze(1).unsqueeze(1);
        foreach (var layer in layers) x = layer.forward(x, keyMask);
        x = final_norm.forward(x);
        var m = mask.unsqueeze(-1).to_type(x.dtype);
        var pooled = pool_proj.forward((x * m).sum(1) / m.sum(1));
        return new TextEncoding(x.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope(), mask);
    }

    /// <summary>Metadata that, with the <c>vocab_ids</c> tensor, rebuilds the module from a checkpoint.</summary>
    public Dictionary<string, string> Metadata() => new() { ["builtin_text_config"] = JsonSerializer.Serialize(Config) };

    /// <summary>Builds the module whose shape a checkpoint describes (weights are loaded by the caller).</summary>
    public static BuiltinTextEncoder FromCheckpoint(string safetensorsPath, string prefix = "")
    {
        using var file = SafeTensorsFile.Open(safetensorsPath);
        if (!file.Metadata.TryGetValue("builtin_text_config", out var json))
            throw new InvalidDataException($"'{safetensorsPath}' has no builtin_text_config metadata: not a built-in text encoder " +
                $"checkpoint.");
        var config = JsonSerializer.Deserialize<BuiltinTextConfig>(json) ?? throw new InvalidDataException("Empty builtin_text_config.");
        var entry = file.Entries.FirstOrDefault(e => e.Name == prefix + "vocab_ids")
            ?? throw new InvalidDataException($"'{safetensorsPath}' lacks the {prefix}vocab_ids tensor.");
        using var ids = file.Read(entry);
        var vocabulary = new BuiltinVocabulary(ids.data<long>().Select(i => (int)i).ToArray());
        return new BuiltinTextEncoder(config, vocabulary);
    }
}
