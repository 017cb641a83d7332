using T2I.Core.Data;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.VisualTokenizer;

/// <summary>
/// The aligned tokenizer: <c>Encode</c> images [N,3,H,W] in [-1,1] (H, W multiples of 16, any bucket aspect) →
/// latents [N,d,H/16,W/16]; <c>Decode</c> latents → images. Children <c>encoder</c>, <c>adapter</c>, <c>decoder</c>.
/// </summary>
public sealed class AlignedTokenizer : nn.Module<Tensor, Tensor>
{

    private readonly VisionTransformer encoder;
    private readonly Adapter adapter;
    private readonly Decoder decoder;

    public AlignedTokenizerConfig Config { get; }

    public AlignedTokenizer(AlignedTokenizerConfig config) : base(nameof(AlignedTokenizer))
    {
        Config = config.Validate();
        encoder = new VisionTransformer(config.Encoder);
        adapter = new Adapter(config.Encoder.Width, config.AdapterHidden, config.LatentChannels);
        decoder = new Decoder(config.Decoder);
        RegisterComponents();
    }

    public VisionTransformer Encoder => encoder;
    public Adapter Adapter => adapter;
    public Decoder Decoder => decoder;

    /// <summary>Images → latents z0 = A(E_p(resize(x))).</summary>
    public Tensor Encode(Tensor images)
    {
        using var scope = NewDisposeScope();
        var latents = adapter.forward(EncoderFeatures(images));
        return latents.MoveToOuterDisposeScope();
    }

    /// <summary>Encoder patch features [N, D, H/16, W/16] before the adapter (for probes and CKNNA).</summary>
    public Tensor EncoderFeatures(Tensor images)
    {
        using var scope = NewDisposeScope();
        return encoder.PatchFeatures(EncoderInput(images)).MoveToOuterDisposeScope();
    }

    /// <summary>Latents → images in (roughly) [-1, 1].</summary>
    public Tensor Decode(Tensor latents)
    {
        if (latents.dim() != 4 || latents.shape[1] != Config.LatentChannels)
            throw new ArgumentException($"Latents must be [N,{Config.LatentChannels},h,w], got [{string.Join(",", latents.shape)}].");
        using var scope = NewDisposeScope();
        return decoder.forward(latents).MoveToOuterDisposeScope();
    }

    /// <summary>Reconstruction D(A(E_p(x))).</summary>
    public override Tensor forward(Tensor images) => Decode(Encode(images));

    /// <summary>
    /// The encoder's view of an image: resized (bicubic, antialiased) to (H/16·p, W/16·p) so its patch grid is the
    /// f = 16 latent grid, then ImageNet-normalised.
    /// </summary>
    public Tensor EncoderInput(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"Images must be [N,3,H,W], got [{string.Join(",", images.shape)}].");
        long h = images.shape[2], w = images.shape[3];
        int f = AlignedTokenizerConfig.Downsampling, p = Config.Encoder.PatchSize;
        if (h % f != 0 || w % f != 0) throw new ArgumentException($"Image size {w}×{h} is not a multiple of {f}.");
        using var scope = NewDisposeScope();
        var resized = nn.functional.interpolate(images, size: new[] { h / f * p, w / f * p },
            mode: InterpolationMode.Bicubic, align_corners: false, antialias: true);
        // DINOv2 was trained on ImageNet-normalised RGB in [0, 1].
        return ImageNetNormalization.Apply(resized.OnePlus().DividedBy(2)).MoveToOuterDisposeScope();
    }
}
