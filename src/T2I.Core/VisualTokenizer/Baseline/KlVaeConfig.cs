using System.Text.Json;
using System.Text.Json.Nodes;

namespace T2I.Core.VisualTokenizer.Baseline;

/// <summary>
/// The conventional KL-VAE baseline (LDM AutoencoderKL): an encoder that mirrors <see cref="Decoder"/>, a Gaussian
/// posterior over d latent channels, and the same decoder. One <see cref="DecoderConfig"/> sizes both halves, so
/// a baseline built from the aligned tokenizer's decoder config has exactly its latent shape (f = 16, d).
/// </summary>
public sealed record KlVaeConfig(DecoderConfig Decoder)
{
    /// <summary>Written into checkpoints' model_config so loaders can tell this codec from the aligned tokenizer.</summary>
    public const string KindName = "kl-vae";

    public string Kind => KindName;

    /// <summary>Paper scale: the VA-VAE decoder at f16 d32, as <see cref="AlignedTokenizerConfig.Paper"/>.</summary>
    public static KlVaeConfig Paper { get; } = Matching(AlignedTokenizerConfig.Paper);

    /// <summary>CPU scale: the latent shape of <see cref="AlignedTokenizerConfig.Tiny"/>.</summary>
    public static KlVaeConfig Tiny { get; } = Matching(AlignedTokenizerConfig.Tiny);

    /// <summary>The baseline with the same decoder — hence the same latent shape — as an aligned tokenizer.</summary>
    public static KlVaeConfig Matching(AlignedTokenizerConfig aligned) => new(aligned.Decoder);

    public int LatentChannels => Decoder.LatentChannels;
    public int Downsampling => Decoder.DownsamplingFactor;

    /// <summary>Parameters by formula: encoder + quant_conv + post_quant_conv + decoder (checked against a built model
    /// in the tests).</summary>
    public long ParameterCount() => EncoderParameters() + QuantConvParameters() + Decoder.ParameterCount();

    /// <summary>
    /// LDM's encoder has num_res_blocks per level, its decoder one more; but the encoder's first block of a level is
    /// what widens it, so a decoder with one block per level (num_res_blocks = 0, the tiny preset) still gets one.
    /// </summary>
    public static int EncoderBlocksPerLevel(DecoderConfig decoder) => Math.Max(1, decoder.ResBlocksPerLevel);

    public long EncoderParameters()
    {
        var c = Decoder;
        static long Conv(long cin, long cout, long k) => cin * cout * k * k + cout;
        static long Norm(long c) => 2 * c;
        static long Res(long cin, long cout) =>
            Norm(cin) + Conv(cin, cout, 3) + Norm(cout) + Conv(cout, cout, 3) + (cin != cout ? Conv(cin, cout, 1) : 0);
        static long Attn(long c) => Norm(c) + 4 * Conv(c, c, 1);
        long blockIn = c.ChannelsAt(0);
        long total = Conv(c.OutChannels, blockIn, 3);
        for (int level = 0; level < c.Levels; level++)
        {
            long blockOut = c.ChannelsAt(level);
            for (int i = 0; i < EncoderBlocksPerLevel(c); i++)
            {
                total += Res(blockIn, blockOut);
                blockIn = blockOut;
                if (c.AttentionLevels.Contains(level)) total += Attn(blockIn);
            }
            if (level != c.Levels - 1) total += Conv(blockIn, blockIn, 3);
        }
        total += Res(blockIn, blockIn) + Attn(blockIn) + Res(blockIn, blockIn);
        return total + Norm(blockIn) + Conv(blockIn, 2L * c.LatentChannels, 3);
    }

    private long QuantConvParameters()
    {
        long d = LatentChannels;
        return (2 * d * 2 * d + 2 * d) + (d * d + d);
    }

    public string ToJson() => JsonSerializer.Serialize(this, AlignedTokenizerConfig.JsonOptions);

    public static KlVaeConfig FromJson(JsonNode node)
    {
        if (node["kind"]?.GetValue<string>() is { } kind && kind != KindName)
            throw new InvalidDataException($"model_config kind '{kind}' is not a {KindName}.");
        return node.Deserialize<KlVaeConfig>(AlignedTokenizerConfig.JsonOptions)
            ?? throw new InvalidDataException("KL-VAE config JSON is empty.");
    }
}
