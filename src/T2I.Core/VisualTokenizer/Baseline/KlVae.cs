using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using T2I.Core.Latents;

namespace T2I.Core.VisualTokenizer.Baseline;

/// <summary>
/// The KL-VAE baseline (LDM AutoencoderKL): <c>encoder</c> → <c>quant_conv</c> (1×1, 2d → 2d) → q(z|x) →
/// z → <c>post_quant_conv</c> (1×1, d → d) → <c>decoder</c>. <see cref="Encode"/> gives the posterior mean
/// (deterministic latents for DiT training and caching); training reconstructs from a reparameterised sample.
/// As an <see cref="ILatentCodec"/> the module is its own weights (kind <c>kl-vae</c>, see <see cref="KlVaeCheckpoint"/>).
/// </summary>
public sealed class KlVae : nn.Module<Tensor, Tensor>, ILatentCodec, IGaussianAutoencoder
{
    private readonly ConvEncoder encoder;
    private readonly Conv2d quant_conv;
    private readonly Conv2d post_quant_conv;
    private readonly Decoder decoder;

    public KlVaeConfig Config { get; }

    public KlVae(KlVaeConfig config) : base(nameof(KlVae))
    {
        Config = config;
        int d = config.LatentChannels;
        encoder = new ConvEncoder(config.Decoder);
        quant_conv = nn.Conv2d(2 * d, 2 * d, 1);
        post_quant_conv = nn.Conv2d(d, d, 1);
        decoder = new Decoder(config.Decoder);
        RegisterComponents();
    }

    public int LatentChannels => Config.LatentChannels;
    public int Downsample => Config.Downsampling;
    public Decoder Decoder => decoder;

    /// <summary>q(z|x) for images [N, 3, H, W] in [-1, 1], H and W multiples of f.</summary>
    public DiagonalGaussian Posterior(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"Images must be [N,3,H,W], got [{string.Join(",", images.shape)}].");
        if (images.shape[2] % Downsample != 0 || images.shape[3] % Downsample != 0)
            throw new ArgumentException($"Image size {images.shape[3]}×{images.shape[2]} is not a multiple of {Downsample}.");
        return new DiagonalGaussian(quant_conv.forward(encoder.forward(images)));
    }

    /// <summary>Images → latents [N, d, H/f, W/f]: the posterior mean.</summary>
    public Tensor Encode(Tensor images)
    {
        using var scope = NewDisposeScope();
        return Posterior(images).Mean.MoveToOuterDisposeScope();
    }

    /// <summary>Latents → images in (roughly) [-1, 1].</summary>
    public Tensor Decode(Tensor latents)
    {
        if (latents.dim() != 4 || latents.shape[1] != LatentChannels)
            throw new ArgumentException($"Latents must be [N,{LatentChannels},h,w], got [{string.Join(",", latents.shape)}].");
        using var scope = NewDisposeScope();
        return decoder.forward(post_quant_conv.forward(latents)).MoveToOuterDisposeScope();
    }

    /// <summary>Deterministic reconstruction through the posterior mean.</summary>
    public override Tensor forward(Tensor images) => Decode(Encode(images));
}
