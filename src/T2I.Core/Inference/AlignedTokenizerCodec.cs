using System.Text.Json.Nodes;
using T2I.Core.Checkpoints;
using T2I.Core.VisualTokenizer;
using TorchSharp;
using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;
using T2I.Core.Latents;

namespace T2I.Core.Inference;

/// <summary>
/// The aligned tokenizer as a frozen latent codec (kind <c>aligned</c>): Encode = A(E_p(x)), Decode = D(z), both
/// without gradients, decoded images clamped to [-1, 1]. Weights: the tokenizer's own state-dict names.
/// </summary>
public sealed class AlignedTokenizerCodec : ITrainedLatentCodec
{
    public const string Kind = AlignedTokenizerConfig.CodecKind;

    /// <summary>Metadata key of a weights file that holds only <c>decoder.*</c> (see <see cref="SaveDecoderOnly"/>).</summary>
    public const string PartMetadata = "t2i_codec_part";
    private const string DecoderPrefix = "decoder.";

    public AlignedTokenizerCodec(AlignedTokenizer tokenizer, bool decoderOnly = false)
    {
        (Tokenizer, DecoderOnly) = (tokenizer, decoderOnly);
        tokenizer.eval();
        foreach (var p in tokenizer.parameters()) p.requires_grad = false;
    }

    public AlignedTokenizer Tokenizer { get; }
    public nn.Module Weights => Tokenizer;
    public int LatentChannels => Tokenizer.Config.LatentChannels;
    public int Downsample => AlignedTokenizerConfig.Downsampling;

    /// <summary>Loaded from a decoder-only file (an exported model): it draws, it cannot encode.</summary>
    public bool DecoderOnly { get; }

    public Tensor Encode(Tensor images)
    {
        if (DecoderOnly) throw new InvalidOperationException("this codec file holds the decoder only (an exported model): " +
            "encode with the tokenizer run it came from.");
        using var noGrad = no_grad();
        return Tokenizer.Encode(images);
    }

    public Tensor Decode(Tensor latents)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return Tokenizer.Decode(latents).Clamp(-1, 1).MoveToOuterDisposeScope();
    }

    /// <summary>True for the model_config the tokenizer stages write (the config itself, or under <c>tokenizer</c>).</summary>
    public static bool Describes(JsonNode modelConfig) =>
        (modelConfig["tokenizer"] ?? modelConfig) is JsonObject o && o.ContainsKey("encoder") && o.ContainsKey("decoder")
            && o.ContainsKey("latent_channels");

    public static AlignedTokenizerCodec Open(LatentCodecSource source, Device? device = null)
    {
        var node = source.ModelConfig
            ?? throw new InvalidDataException($"{source.Folder}: an aligned codec needs the tokenizer's model_config.");
        if (source.WeightsFile is null) throw new InvalidDataException($"{source.Folder}: an aligned codec needs weights.");
        var tokenizer = new AlignedTokenizer(AlignedTokenizerConfig.FromJson(node["tokenizer"] ?? node));
        bool decoderOnly = SafeTensors.ReadMetadata(source.WeightsFile).GetValueOrDefault(PartMetadata) == "decoder";
        if (!decoderOnly) ModuleWeights.Load(tokenizer, source.WeightsFile, strict: true);
        else
        {
            // Every decoder tensor must be there, nothing else may be: the encoder keeps its untrained weights, unused.
            var report = ModuleWeights.Load(tokenizer, source.WeightsFile, strict: false);
            var missing = report.Missing.Where(k => k.StartsWith(DecoderPrefix, StringComparison.Ordinal)).ToList();
            if (missing.Count > 0 || report.Unexpected.Count > 0 || report.ShapeMismatches.Count > 0)
                throw new InvalidDataException($"{source.WeightsFile}: a decoder-only codec file that does not fit the decoder " +
                    $"(missing {string.Join(", ", missing.Take(3))}; unexpected {string.Join(", ", report.Unexpected.Take(3))}; " +
                    $"{report.ShapeMismatches.Count} shapes differ).");
        }
        if (device is not null) tokenizer.to(device);
        return new AlignedTokenizerCodec(tokenizer, decoderOnly);
    }

    /// <summary>
    /// Writes the decoder's tensors of a tokenizer weights file to <paramref name="target"/>, marked as decoder-only:
    /// what sampling needs (the ResNet-18 encoder is 64 of the 66 MB, and a model folder never encodes).
    /// </summary>
    public static void SaveDecoderOnly(string weightsFile, string target)
    {
        var tensors = SafeTensors.Load(weightsFile, k => k.StartsWith(DecoderPrefix, StringComparison.Ordinal) ? k : null);
        try
        {
            if (tensors.Count == 0) throw new InvalidDataException($"{weightsFile} holds no {DecoderPrefix}* tensors.");
            SafeTensors.Save(target, tensors, new Dictionary<string, string> { ["format"] = "pt", [PartMetadata] = "decoder" });
        }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
    }
}
