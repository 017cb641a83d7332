using T2I.Core.Checkpoints;
using T2I.Core.Latents;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.Baseline;

/// <summary>
/// Loads a trained KL-VAE as a frozen latent codec (kind <c>kl-vae</c>) from a described source
/// (<c>Inference.LatentCodecs.Describe</c> of its training checkpoint or run folder — EMA weights when the run kept
/// them —, an exported codec folder, or a T2I checkpoint that bundles it).
/// </summary>
public static class KlVaeCheckpoint
{
    public static KlVae Open(LatentCodecSource source, Device? device = null)
    {
        var node = source.ModelConfig
            ?? throw new InvalidDataException($"{source.Folder}: a {KlVaeConfig.KindName} codec needs its model_config.");
        if (source.WeightsFile is null) throw new InvalidDataException($"{source.Folder}: a {KlVaeConfig.KindName} codec needs weights.");
        var vae = new KlVae(KlVaeConfig.FromJson(node));
        ModuleWeights.Load(vae, source.WeightsFile, strict: true);
        vae.eval();
        foreach (var p in vae.parameters()) p.requires_grad = false;
        return device is null ? vae : vae.to(device);
    }
}
