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
    private readonly nn.Module<Tensor, Tensor> encoder;
    private readonly Adapter adapter;
    private readonly Decoder decoder;

    public AlignedTokenizerConfig Config { get; }

    public AlignedTokenizer(AlignedTokenizerConfig config) : base(nameof(AlignedTokenizer))
    {
        Config = config.Validate();
        encoder = config.ResNet is { } resnet ? new ResNetPatchEncoder(resnet) : new VisionTransformer(config.Vit);
        adapter = new Adapter(config.EncoderWidth, config.AdapterHidden, config.LatentChannels);
        decoder = new Decoder(config.Decoder);
        RegisterComponents();
    }

    /// <summary>E_p as a module (to freeze, train or count).</summary>
    public nn.Module<Tensor, Tensor> EncoderModule => encoder;

    public IPatchEncoder Encoder => (IPatchEncoder)encoder;

    /// <summary>The ViT encoder; a ResNet tokenizer has none.</summary>
    public VisionTransformer Vit => encoder as VisionTransformer
        ?? throw new InvalidOperationException("This tokenizer's encoder is a ResNet, not a ViT.");
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
        return Encoder.PatchFeatures(EncoderInput(images)).MoveToOuterDisposeScope();
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
    /// The encoder's view of an image: resized (bicubic, antialiased) to (H/16·s, W/16·s), s the encoder's stride, so its
    /// feature grid is the f = 16 latent grid, then put in the encoder's input convention.
    /// </summary>
    public Tensor EncoderInput(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"Images must be [N,3,H,W], got [{string.Join(",", images.shape)}].");
        long h = images.shape[2], w = images.shape[3];
        int f = AlignedTokenizerConfig.Downsampling, p = Config.EncoderStride;
        if (h % f != 0 || w % f != 0) throw new ArgumentException($"Image size {w}×{h} is not a multiple of {f}.");
        using var scope = NewDisposeScope();
        var resized = p == f ? images.alias() : nn.functional.interpolate(images, size: new[] { h / f * p, w / f * p },
            mode: InterpolationMode.Bicubic, align_corners: false, antialias: true);
        return Encoder.Normalize(resized.OnePlus().DividedBy(2)).MoveToOuterDisposeScope();
    }
}
