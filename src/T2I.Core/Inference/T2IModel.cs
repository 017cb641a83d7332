using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.Checkpoints;
using T2I.Core.Dit;
using T2I.Core.Text;

namespace T2I.Core.Inference;

/// <summary>
/// The trainable half of the text-to-image system as one module: the DiT (<c>dit.*</c>, FLUX names) and the
/// jointly trained built-in text encoder (<c>text_encoder.*</c>). One safetensors file holds both, with the
/// configs in its metadata.
/// </summary>
public sealed class T2IModel : nn.Module
{
    public FluxDit dit;
    public BuiltinTextEncoder text_encoder;

    public T2IModel(DitConfig ditConfig, BuiltinTextConfig textConfig, BuiltinVocabulary vocabulary) : this(
        new FluxDit(ditConfig), new BuiltinTextEncoder(textConfig, vocabulary))
    {
    }

    private T2IModel(FluxDit dit, BuiltinTextEncoder textEncoder) : base(nameof(T2IModel))
    {
        if (dit.Config.ContextInDim != textEncoder.SequenceDim || dit.Config.VecInDim != textEncoder.PooledDim)
            throw new ArgumentException($"DiT expects text [{dit.Config.ContextInDim}] / pooled [{dit.Config.VecInDim}], " +
                $"the text encoder gives [{textEncoder.SequenceDim}] / [{textEncoder.PooledDim}].");
        this.dit = dit;
        text_encoder = textEncoder;
        RegisterComponents();
    }

    public Dictionary<string, string> Metadata()
    {
        var meta = text_encoder.Metadata();
        meta["dit_config"] = JsonSerializer.Serialize(dit.Config);
        return meta;
    }

    public void Save(string path, IReadOnlyDictionary<string, string>? extra = null)
    {
        var meta = Metadata();
        if (extra is not null) foreach (var (k, v) in extra) meta[k] = v;
        ModuleWeights.Save(this, path, meta);
    }

    /// <summary>
    /// Loads a training checkpoint folder: the configs from config.json's <c>model_config</c>, the weights from
    /// <c>ema.safetensors</c> when present and <paramref name="preferEma"/> (the paper samples with EMA weights),
    /// else <c>model.safetensors</c>.
    /// </summary>
    public static T2IModel LoadCheckpoint(CheckpointFolder folder, bool preferEma = true)
    {
        var node = folder.ReadConfig().ModelConfig ?? throw new InvalidDataException($"{folder.Path}: config.json has no model_config.");
        var config = T2IModelConfig.FromJson(node, folder.Path);
        if (config.TextEncoder != "builtin") throw new NotSupportedException($"{folder.Path}: text encoder '{config.TextEncoder}' " +
            "is not bundled in one module: load it with CheckpointModels.Load (frozen encoders from model_config.text_weights).");
        string modelFile = folder.File(CheckpointFolder.ModelFile);
        var model = new T2IModel(new FluxDit(config.Dit), new BuiltinTextEncoder(config.BuiltinText, VocabularyOf(modelFile)));
        ModuleWeights.Load(model, preferEma && folder.Has(CheckpointFolder.EmaFile) ? folder.File(CheckpointFolder.EmaFile) : modelFile);
        return model;
    }

    private static BuiltinVocabulary VocabularyOf(string path)
    {
        using var file = SafeTensorsFile.Open(path);
        using var ids = file.Read("text_encoder.vocab_ids");
        return new BuiltinVocabulary(ids.data<long>().Select(i => (int)i).ToArray());
    }

    /// <summary>Rebuilds the model a safetensors file describes and loads its weights (strict).</summary>
    public static T2IModel Load(string path)
    {
        var meta = SafeTensors.ReadMetadata(path);
        if (!meta.TryGetValue("dit_config", out var json))
            throw new InvalidDataException($"'{path}' has no dit_config metadata: not a T2I model checkpoint.");
        var ditConfig = JsonSerializer.Deserialize<DitConfig>(json) ?? throw new InvalidDataException("Empty dit_config.");
        var model = new T2IModel(new FluxDit(ditConfig), BuiltinTextEncoder.FromCheckpoint(path, "text_encoder."));
        ModuleWeights.Load(model, path);
        return model;
    }
}
