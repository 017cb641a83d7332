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

    public AlignedTokenizerCodec(AlignedTokenizer tokenizer)
    {
        Tokenizer = tokenizer;
        tokenizer.eval();
        foreach (var p in tokenizer.parameters()) p.requires_grad = false;
    }

    public AlignedTokenizer Tokenizer { get; }
    public nn.Module Weights => Tokenizer;
    public int LatentChannels => Tokenizer.Config.LatentChannels;
    public int Downsample => AlignedTokenizerConfig.Downsampling;

    public Tensor Encode(Tensor images)
    {
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
        ModuleWeights.Load(tokenizer, source.WeightsFile, strict: true);
        if (device is not null) tokenizer.to(device);
        return new AlignedTokenizerCodec(tokenizer);
    }
}
