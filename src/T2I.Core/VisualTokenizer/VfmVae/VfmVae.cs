using TorchSharp;
using TorchSharp.Modules;
using T2I.Core.Latents;
using T2I.Core.VisualTokenizer.Baseline;
using static TorchSharp.torch;

namespace T2I.Core.VisualTokenizer.VfmVae;

/// <summary>The posterior and the VFM's final features it was computed from (the VF loss compares z with them).</summary>
public sealed record VfmEncoding(DiagonalGaussian Posterior, Tensor FinalFeatures);

/// <summary>
/// VFM-VAE (paper B): the frozen foundation model <c>vfm</c>, the attention projection <c>encoder</c> to
/// q(z|x), the <c>decoder</c> with an image at every scale, and <c>vf_proj</c>, the 1×1 map of z to the VFM's final width
/// that only the VF loss uses. <see cref="Encode"/> gives the posterior mean. As an <see cref="ILatentCodec"/> the module
/// is its own weights (kind <c>vfm-vae</c>, see <see cref="VfmVaeCheckpoint"/>).
/// </summary>
public sealed class VfmVae : nn.Module<Tensor, Tensor>, ILatentCodec, IGaussianAutoencoder
{
    private readonly nn.Module<Tensor, Tensor> vfm;
    private readonly LatentProjection encoder;
    private readonly MultiScaleDecoder decoder;
    private readonly Conv2d vf_proj;

    public VfmVaeConfig Config { get; }

    public VfmVae(VfmVaeConfig config) : base(nameof(VfmVae))
    {
        Config = config.Validate();
        var features = VfmFactory.Create(config.Vfm);
        vfm = features.Module;
        encoder = new LatentProjection(config, features.Features.Channels, features.Features.Strides);
        decoder = new MultiScaleDecoder(config);
        vf_proj = nn.Conv2d(config.LatentChannels, features.Features.Channels[^1], 1);
        RegisterComponents();
    }

    public int LatentChannels => Config.LatentChannels;
    public int Downsample => Config.Downsampling;
    public IVfmFeatures Vfm => (IVfmFeatures)vfm;
    public MultiScaleDecoder Decoder => decoder;
    public LatentProjection Encoder => encoder;

    /// <summary>Everything but the frozen VFM, by name (what the trainer optimises).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> TrainableParameters() =>
        named_parameters().Where(p => !p.name.StartsWith("vfm.", StringComparison.Ordinal));

    /// <summary>Reads the VFM's pretrained weights from their package or folder (training starts here).</summary>
    public void LoadPretrainedVfm() => VfmFactory.LoadPretrained(vfm, Config.Vfm);

    public VfmEncoding Analyse(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"Images must be [N,3,H,W], got [{string.Join(",", images.shape)}].");
        if (images.shape[2] % Downsample != 0 || images.shape[3] % Downsample != 0)
            throw new ArgumentException($"Image size {images.shape[3]}×{images.shape[2]} is not a multiple of {Downsample}.");
        var layers = Vfm.Features(images);
        var posterior = encoder.Posterior(layers);
        var final = layers[^1];
        if (final.shape[2] != posterior.Mean.shape[2] || final.shape[3] != posterior.Mean.shape[3])
            final = nn.functional.adaptive_avg_pool2d(final, new[] { posterior.Mean.shape[2], posterior.Mean.shape[3] });
        return new VfmEncoding(posterior, final);
    }

    public DiagonalGaussian Posterior(Tensor images) => Analyse(images).Posterior;

    /// <summary>Images → latents [N, d, H/f, W/f]: the posterior mean.</summary>
    public Tensor Encode(Tensor images)
    {
        using var scope = NewDisposeScope();
        return Posterior(images).Mean.MoveToOuterDisposeScope();
    }

    /// <summary>Latents → the image at every scale, coarsest first.</summary>
    public Tensor[] DecodeScales(Tensor latents)
    {
        if (latents.dim() != 4 || latents.shape[1] != LatentChannels)
            throw new ArgumentException($"Latents must be [N,{LatentChannels},h,w], got [{string.Join(",", latents.shape)}].");
        return decoder.forward(latents);
    }

    /// <summary>Latents → images in (roughly) [-1, 1]: the last scale.</summary>
    public Tensor Decode(Tensor latents)
    {
        using var scope = NewDisposeScope();
        var scales = DecodeScales(latents);
        return scales[^1].MoveToOuterDisposeScope();
    }

    /// <summary>z mapped to the VFM's final width, for the VF loss.</summary>
    public Tensor VfProjection(Tensor z) => vf_proj.forward(z);

    public override Tensor forward(Tensor images) => Decode(Encode(images));

    public override void train(bool on = true)
    {
        base.train(on);
        vfm.train(false);
    }
}
