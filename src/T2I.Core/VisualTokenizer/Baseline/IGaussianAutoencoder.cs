using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.Baseline;

/// <summary>A tokenizer with a Gaussian posterior (the KL-VAE, VFM-VAE): what their shared evaluation reads.</summary>
public interface IGaussianAutoencoder
{
    DiagonalGaussian Posterior(Tensor images);
    Tensor Decode(Tensor latents);
}
