using System.Security.Cryptography;
using System.Text.Json.Nodes;
using T2I.Core.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.Latents;

namespace T2I.Core.Inference;

/// <summary>
/// Opens the latent codec a folder describes. Accepted: the literal <c>dct</c> (the weight-free
/// <see cref="DctPatchCodec"/>); an exported codec folder (<c>codec.json</c> + <c>codec.safetensors</c>, see
/// <see cref="Export"/>); a T2I checkpoint (its bundled codec: <c>model_config.codec</c> + <c>codec.safetensors</c>);
/// a codec's own training checkpoint or run folder (latest checkpoint; EMA weights preferred).
/// <para>The <c>kind</c> field picks the class: <c>codec.json</c>'s <c>kind</c>, else the training checkpoint's
/// <c>model_config.kind</c>; a model_config without <c>kind</c> that describes an aligned tokenizer (the tokenizer
/// stages write its config there) is <c>aligned</c>. A new codec adds one line to the switch in
/// <see cref="Open(LatentCodecSource, Device?)"/> and writes <c>"kind": "&lt;its name&gt;"</c> into its checkpoints'
/// model_config.</para>
/// </summary>
public static class LatentCodecs
{
    public const string Dct = "dct";
    public const string ExportConfigFile = "codec.json";
    public const string WeightsFileName = "codec.safetensors";

    public static ILatentCodec Open(string path, Device? device = null) => Open(Describe(path), device);

    public static ILatentCodec Open(LatentCodecSource source, Device? device = null) => source.Kind switch
    {
        Dct => new DctPatchCodec(),
        AlignedTokenizerCodec.Kind => AlignedTokenizerCodec.Open(source, device),
        VisualTokenizer.Baseline.KlVaeConfig.KindName => VisualTokenizer.Baseline.KlVaeCheckpoint.Open(source, device),
        VisualTokenizer.VfmVae.VfmVaeConfig.KindName => VisualTokenizer.VfmVae.VfmVaeCheckpoint.Open(source, device),
        _ => throw new NotSupportedException($"{source.Folder}: unknown latent codec kind '{source.Kind}' (known: {Dct}, " +
            $"{AlignedTokenizerCodec.Kind}, {VisualTokenizer.Baseline.KlVaeConfig.KindName}, " +
            $"{VisualTokenizer.VfmVae.VfmVaeConfig.KindName})."),
    };

    /// <summary>Reads what <paramref name="path"/> describes without loading weights.</summary>
    public static LatentCodecSource Describe(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path == Dct) return new LatentCodecSource(Dct, null, null, Dct, Dct);
        string export = Path.Combine(path, ExportConfigFile);
        if (File.Exists(export))
        {
            var node = JsonNode.Parse(File.ReadAllText(export)) ?? throw new InvalidDataException($"{export} is empty.");
            string kind = KindOf(node, export);
            string? weights = Path.Combine(path, WeightsFileName);
            if (!File.Exists(weights)) weights = null;
            string identity = node["identity"]?.GetValue<string>() ?? IdentityOf(kind, weights);
            return new LatentCodecSource(kind, node["model_config"], weights, identity, Path.GetFullPath(path));
        }
        var folder = CheckpointFolder.Open(path);
        var modelConfig = folder.ReadConfig().ModelConfig
            ?? throw new InvalidDataException($"{folder.Path}: config.json has no model_config, so it names no codec.");
        if (modelConfig["codec"] is JsonObject bundled) return Bundled(folder, bundled);
        string codecKind = modelConfig["kind"]?.GetValue<string>()
            ?? (AlignedTokenizerCodec.Describes(modelConfig) ? AlignedTokenizerCodec.Kind
                : throw new InvalidDataException($"{folder.Path}: model_config has no 'kind' and is not an aligned tokenizer's config."));
        string file = folder.File(folder.Has(CheckpointFolder.EmaFile) ? CheckpointFolder.EmaFile : CheckpointFolder.ModelFile);
        return new LatentCodecSource(codecKind, modelConfig, file, IdentityOf(codecKind, file), folder.Path);
    }

    /// <summary>A T2I checkpoint's codec: bundled weights when present, else the folder it was trained from.</summary>
    private static LatentCodecSource Bundled(CheckpointFolder folder, JsonObject codec)
    {
        string kind = KindOf(codec, folder.Path + " model_config.codec");
        string identity = codec["identity"]?.GetValue<string>() ?? kind;
        if (kind == Dct || folder.Has(WeightsFileName))
            return new LatentCodecSource(kind, codec["model_config"], kind == Dct ? null : folder.File(WeightsFileName), identity,
                folder.Path);
        string source = codec["source"]?.GetValue<string>()
            ?? throw new InvalidDataException($"{folder.Path}: codec '{kind}' is neither bundled ({WeightsFileName}) nor has a " +
                $"source folder.");
        var found = Describe(source);
        if (found.Identity != identity)
            throw new InvalidDataException($"{folder.Path}: the DiT was trained on codec {identity}, but {source} now holds " +
                $"{found.Identity}.");
        return found;
    }

    /// <summary>The module whose weights <see cref="Export"/> and the DiT trainer's bundle save, or null (weight-free).</summary>
    public static nn.Module? WeightsOf(ILatentCodec codec) => codec is ITrainedLatentCodec t ? t.Weights : codec as nn.Module;

    /// <summary>Writes an exported codec folder (<c>codec.json</c> + <c>codec.safetensors</c>), each file atomically.</summary>
    public static void Export(ILatentCodec codec, LatentCodecSource source, string dir)
    {
        Directory.CreateDirectory(dir);
        if (WeightsOf(codec) is { } weights) ModuleWeights.Save(weights, Path.Combine(dir, WeightsFileName));
        var node = new JsonObject
        {
            ["kind"] = source.Kind, ["model_config"] = source.ModelConfig?.DeepClone(),
            ["identity"] = source.Identity,
            ["source"] = source.Folder
        };
        string path = Path.Combine(dir, ExportConfigFile), temp = path + ".tmp";
        File.WriteAllText(temp, node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, path, overwrite: true);
    }

    private static string KindOf(JsonNode node, string where) =>
        node["kind"]?.GetValue<string>() is { Length: > 0 } k ? k : throw new InvalidDataException($"{where} has no 'kind'.");

    /// <summary>kind:sha256-prefix of the weights file — changes whenever the weights do.</summary>
    public static string IdentityOf(string kind, string? weightsFile)
    {
        if (weightsFile is null) return kind;
        using var stream = File.OpenRead(weightsFile);
        return $"{kind}:{Convert.ToHexString(SHA256.HashData(stream))[..16].ToLowerInvariant()}";
    }
}
