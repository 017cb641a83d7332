using T2I.Core.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// Loading a trained tokenizer for inference from a checkpoint folder (or a run folder: its latest checkpoint).
/// The config comes from <c>config.json</c> → <c>model_config</c>; weights from <c>ema.safetensors</c> when the
/// stage kept an EMA (the paper uses EMA weights at inference), else <c>model.safetensors</c>.
/// </summary>
public static class AlignedTokenizerCheckpoint
{
    public static AlignedTokenizer Load(string path, Device? device = null)
    {
        var folder = Resolve(path);
        var modelConfig = folder.ReadConfig().ModelConfig
            ?? throw new InvalidDataException($"{folder.Path}: config.json has no model_config.");
        var node = modelConfig["tokenizer"] ?? modelConfig;
        var tokenizer = new AlignedTokenizer(AlignedTokenizerConfig.FromJson(node));
        string weights = folder.Has(CheckpointFolder.EmaFile) ? CheckpointFolder.EmaFile : CheckpointFolder.ModelFile;
        ModuleWeights.Load(tokenizer, folder.File(weights), strict: true);
        tokenizer.eval();
        foreach (var p in tokenizer.parameters()) p.requires_grad = false;
        return device is null ? tokenizer : tokenizer.to(device);
    }

    /// <summary>Which weights file <see cref="Load"/> would use.</summary>
    public static string WeightsFile(string path)
    {
        var folder = Resolve(path);
        return folder.File(folder.Has(CheckpointFolder.EmaFile) ? CheckpointFolder.EmaFile : CheckpointFolder.ModelFile);
    }

    private static CheckpointFolder Resolve(string path)
    {
        if (File.Exists(Path.Combine(path, CheckpointFolder.ConfigFile))) return CheckpointFolder.Open(path);
        return CheckpointFolder.Latest(CheckpointFolder.CheckpointsDir(path))
            ?? throw new DirectoryNotFoundException($"'{path}' is neither a checkpoint folder nor a run folder with checkpoints.");
    }
}
