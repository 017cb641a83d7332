namespace T2I.Core.Dit;

/// <summary>
/// FLUX-style DiT hyper-parameters (FluxParams). Patch size is 1: each latent position (d = 32 channels of the
/// aligned tokenizer) is one token. <see cref="ContextInDim"/> is the text sequence width (T5-XXL: 4096),
/// <see cref="VecInDim"/> the pooled text vector width (CLIP-L: 768).
/// </summary>
public sealed record DitConfig(
    int InChannels,
    int HiddenSize,
    int NumHeads,
    int Depth,
    int DepthSingleBlocks,
    int ContextInDim,
    int VecInDim,
    IReadOnlyList<int> AxesDim,
    double MlpRatio = 4.0,
    double Theta = 10000,
    bool QkvBias = true)
{
    public int HeadDim => HiddenSize / NumHeads;
    public long MlpHidden => (long)(HiddenSize * MlpRatio);

    /// <summary>Paper A's ~2B T2I model: hidden 1536, 13 double + 26 single blocks, head dim 128, T5-XXL + CLIP-L.</summary>
    public static DitConfig Paper2B { get; } = new(32, 1536, 12, 13, 26, 4096, 768, new[] { 16, 56, 56 });

    /// <summary>Smallest useful size: unit tests on CPU.</summary>
    public static DitConfig Tiny { get; } = new(32, 64, 2, 1, 2, 64, 64, new[] { 4, 14, 14 });

    /// <summary>
    /// Between the two for one-thread CPU training: twice tiny's width and a second double block (~4× its step cost),
    /// enough to draw a prompted shape where tiny only places the colour.
    /// </summary>
    public static DitConfig Mini { get; } = new(32, 128, 2, 2, 2, 64, 64, new[] { 8, 28, 28 });

    /// <summary>The CPU demo / tiny training preset.</summary>
    public static DitConfig Small { get; } = new(32, 192, 3, 2, 4, 128, 128, new[] { 8, 28, 28 });

    public static DitConfig ByName(string name) => name.ToLowerInvariant() switch
    {
        "2b" or "paper" or "paper2b" => Paper2B,
        "tiny" => Tiny,
        "mini" => Mini,
        "small" => Small,
        _ => throw new ArgumentException($"Unknown DiT size '{name}' (2b, small, mini, tiny)."),
    };

    /// <summary>Throws with a clear message when the shape cannot form a model.</summary>
    public void Validate()
    {
        if (HiddenSize % NumHeads != 0) throw new ArgumentException($"Hidden size {HiddenSize} must be divisible by num_heads {NumHeads}.");
        if (AxesDim.Sum() != HeadDim) throw new ArgumentException($"RoPE axes [{string.Join(", ", AxesDim)}] must sum to the head " +
            $"dim {HeadDim}.");
        if (AxesDim.Count != 3) throw new ArgumentException("RoPE needs three axes (t, row, col).");
    }

    /// <summary>Exact parameter count by formula (checked against an allocated model in the tests).</summary>
    public long ParameterCount()
    {
        long d = HiddenSize, m = MlpHidden, hd = HeadDim, c = InChannels;
        long Linear(long i, long o, bool bias = true) => i * o + (bias ? o : 0);
        long qkNorm = 2 * hd;
        long stream = Linear(d, 6 * d) + Linear(d, 3 * d, QkvBias) + qkNorm + Linear(d, d) + Linear(d, m) + Linear(m, d);
        long single = Linear(d, 3 * d + m) + Linear(d + m, d) + qkNorm + Linear(d, 3 * d);
        long embed = Linear(c, d) + Linear(256, d) + Linear(d, d) + Linear(VecInDim, d) + Linear(d, d) + Linear(ContextInDim, d);
        long last = Linear(d, 2 * d) + Linear(d, c);
        return embed + Depth * 2 * stream + DepthSingleBlocks * single + last;
    }

    /// <summary>
    /// Forward FLOPs for one sample with the given token counts (matmuls only; 2 FLOPs per multiply-add). Checked in the
    /// tests against a count from an allocated model's weight shapes.
    /// </summary>
    public double ForwardFlops(long imageTokens, long textTokens)
    {
        double d = HiddenSize, m = MlpHidden, l = imageTokens + textTokens;
        double attention = 2 * l * l * d;                       // QKᵀ and AV over the joint sequence, all heads
        double streamMacs = 3 * d * d + d * d + 2 * d * m;      // qkv, proj, MLP: each token passes its own stream's weights
        double doubleMacs = l * streamMacs + attention;
        double singleMacs = l * (d * (3 * d + m) + (d + m) * d) + attention;
        double io = imageTokens * 2 * InChannels * d + textTokens * ContextInDim * d;
        // Once per sample, not per token: adaLN modulation (6d² per stream, 3d² per single block, 2d² final) and the
        // timestep / pooled-text embedders.
        double perSample = (Depth * 12 + DepthSingleBlocks * 3 + 2) * d * d + (TimestepEmbedding.Dim + d) * d + (VecInDim + d) * d;
        return 2 * (Depth * doubleMacs + DepthSingleBlocks * singleMacs + io + perSample);
    }
}
