using T2I.Core.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.Baseline;

/// <summary>
/// Loads a trained KL-VAE for inference from a checkpoint folder or a run folder (its latest checkpoint):
/// the config from config.json's <c>model_config</c>, EMA weights when the run kept them.
/// </summary>
public static class KlVaeCheckpoint
{
    public static KlVae Load(string path, Device? device = null)
    {
        var folder = File.Exists(Path.Combine(path, CheckpointFolder.ConfigFile)) ? CheckpointFolder.Open(path)
            : CheckpointFolder.Latest(CheckpointFolder.CheckpointsDir(path))
              ?? throw new DirectoryNotFoundException($"'{path}' is neither a checkpoint folder nor a run folder with checkpoints.");
        var node = folder.ReadConfig().ModelConfig ?? throw new InvalidDataException($"{folder.Path}: config.json has no model_config.");
        var vae = new KlVae(KlVaeConfig.FromJson(node));
        ModuleWeights.Load(vae, folder.File(folder.Has(CheckpointFolder.EmaFile) ? CheckpointFolder.EmaFile : CheckpointFolder.ModelFile));
        vae.eval();
        foreach (var p in vae.parameters()) p.requires_grad = false;
        return device is null ? vae : vae.to(device);
    }
}
