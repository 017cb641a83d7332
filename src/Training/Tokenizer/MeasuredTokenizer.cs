using T2I.Core.Inference;
using T2I.Core.VisualTokenizer;
using TorchSharp;
using static TorchSharp.torch;
using Vfm = T2I.Core.VisualTokenizer.VfmVae;
using Kl = T2I.Core.VisualTokenizer.Baseline;

namespace T2I.Training.Tokenizer;

/// <summary>
/// What <c>training eval</c> needs from any tokenizer, whatever its kind: its own encoder's features when it has a
/// pretrained one (the aligned tokenizer's E_p, the VFM-VAE's VFM; a KL-VAE has none), the latents, and the decoder.
/// </summary>
public sealed class MeasuredTokenizer : IDisposable
{
    private readonly nn.Module module;

    private MeasuredTokenizer(nn.Module module, string kind, Func<Tensor, Tensor>? encoderFeatures, Func<Tensor, Tensor?, Tensor> latents,
        Func<Tensor, Tensor> decode)
    {
        this.module = module;
        Kind = kind;
        EncoderFeatures = encoderFeatures;
        Latents = latents;
        Decode = decode;
    }

    public string Kind { get; }
    /// <summary>The weights file measured (EMA when the run kept them).</summary>
    public string WeightsFile { get; private set; } = "";
    /// <summary>Images → the tokenizer's encoder features [N, C, h, w]; null for a tokenizer trained from scratch.</summary>
    public Func<Tensor, Tensor>? EncoderFeatures { get; }
    /// <summary>(images, their encoder features when computed) → latents.</summary>
    public Func<Tensor, Tensor?, Tensor> Latents { get; }
    public Func<Tensor, Tensor> Decode { get; }
    public nn.Module Module => module;

    public static MeasuredTokenizer Of(AlignedTokenizer t) => new(t, AlignedTokenizerConfig.CodecKind, t.EncoderFeatures,
        (x, f) => t.Adapter.forward(f ?? t.EncoderFeatures(x)), t.Decode);

    /// <summary>A run, checkpoint or exported codec folder of any tokenizer kind, on <paramref name="device"/>.</summary>
    public static MeasuredTokenizer Open(string run, Device device)
    {
        var source = LatentCodecs.Describe(run);
        var tokenizer = Create(run, source, device);
        tokenizer.WeightsFile = source.WeightsFile ?? "";
        return tokenizer;
    }

    private static MeasuredTokenizer Create(string run, T2I.Core.Latents.LatentCodecSource source, Device device)
    {
        switch (source.Kind)
        {
            case AlignedTokenizerCodec.Kind:
                return Of(AlignedTokenizerCheckpoint.Load(run, device));
            case Kl.KlVaeConfig.KindName:
                var kl = Kl.KlVaeCheckpoint.Open(source, device);
                return new MeasuredTokenizer(kl, source.Kind, null, (x, _) => kl.Encode(x), kl.Decode);
            case Vfm.VfmVaeConfig.KindName:
                var vfm = Vfm.VfmVaeCheckpoint.Open(source, device);
                return new MeasuredTokenizer(vfm, source.Kind, x => vfm.Vfm.Features(x)[^1], (x, _) => vfm.Encode(x), vfm.Decode);
            default:
                throw new ArgumentException($"{run}: training eval measures aligned, kl-vae and vfm-vae tokenizers, not '{source.Kind}'.");
        }
    }

    public void Dispose() => module.Dispose();
}
