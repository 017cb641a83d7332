using TorchSharp;
using T2I.Core.Pretrained.SigLip;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>Builds the frozen Φ a <see cref="VfmConfig"/> names, and loads its pretrained weights.</summary>
public static class VfmFactory
{
    public static (nn.Module<Tensor, Tensor> Module, IVfmFeatures Features) Create(VfmConfig config)
    {
        switch (config.Kind)
        {
            case VfmConfig.ResNet18:
                var resnet = new ResNetVfm(config.Layers);
                return (resnet, resnet);
            case VfmConfig.SigLip2:
                var tower = config.Tower ?? (config.Weights is { } folder ? SigLipVisionConfig.FromHfFolder(folder)
                    : throw new ArgumentException("A siglip2 VFM needs its tower shape or a weights folder."));
                var siglip = new SigLipVfm(tower, config.Layers);
                return (siglip, siglip);
            default:
                throw new ArgumentException($"VFM '{config.Kind}': expected {VfmConfig.ResNet18} or {VfmConfig.SigLip2}.");
        }
    }

    public static void LoadPretrained(nn.Module<Tensor, Tensor> module, VfmConfig config)
    {
        switch (module)
        {
            case ResNetVfm resnet: resnet.LoadPretrained(); break;
            case SigLipVfm siglip:
                siglip.Load(config.Weights ?? throw new ArgumentException("siglip2 VFM: set vfm.weights to the HF SigLIP2 folder " +
                    "(config.json + model.safetensors); its weights are not in any package we install."));
                break;
            default: throw new ArgumentException($"No pretrained weights for {module.GetName()}.");
        }
    }
}
