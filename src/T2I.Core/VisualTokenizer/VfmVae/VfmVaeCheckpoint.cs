using T2I.Core.Checkpoints;
using T2I.Core.Latents;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>Loads a trained VFM-VAE as a frozen latent codec (kind <c>vfm-vae</c>) from a described source, as
/// <see cref="Baseline.KlVaeCheckpoint"/> does for the KL-VAE: the checkpoint holds the frozen VFM too.</summary>
public static class VfmVaeCheckpoint
{
    public static VfmVae Open(LatentCodecSource source, Device? device = null)
    {
        var node = source.ModelConfig
            ?? throw new InvalidDataException($"{source.Folder}: a {VfmVaeConfig.KindName} codec needs its model_config.");
        if (source.WeightsFile is null) throw new InvalidDataException($"{source.Folder}: a {VfmVaeConfig.KindName} codec needs weights.");
        var vae = new VfmVae(VfmVaeConfig.FromJson(node));
        ModuleWeights.Load(vae, source.WeightsFile, strict: true);
        vae.eval();
        foreach (var p in vae.parameters()) p.requires_grad = false;
        return device is null ? vae : vae.to(device);
    }
}
