using T2I.Core.VisualTokenizer;
using T2I.Core.VisualTokenizer.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace T2I.Training.Tokenizer;

/// <summary>
/// The perceptual distance every tokenizer trainer uses, by name: <c>lpips</c> (LPIPS-VGG from user-supplied weights) or
/// <c>resnet18</c> (the uncalibrated distance over the packaged ResNet-18). Null when the weight is 0 or LPIPS has no
/// weights, after a warning in the run's log, so a run never silently trains without the term it was asked for.
/// </summary>
public static class PerceptualTerm
{
    public const string Lpips = "lpips", ResNet = "resnet18";

    public static nn.Module<Tensor, Tensor, Tensor>? Open(string kind, string? lpipsWeights, double weight, Device device,
        Action<string> log)
    {
        if (weight <= 0) return null;
        nn.Module<Tensor, Tensor, Tensor>? distance = kind switch
        {
            ResNet => ResNetPerceptualDistance.FromPackage(),
            Lpips => T2I.Core.VisualTokenizer.Lpips.TryLoad(lpipsWeights),
            _ => throw new ArgumentException($"perceptual '{kind}': expected {Lpips} or {ResNet}."),
        };
        if (distance is null)
            log("WARNING: no LPIPS weights (set config lpips_weights=PATH.safetensors, or perceptual=resnet18): training with " +
                "w_p = 0.");
        return distance?.to(device);
    }
}
