using T2I.Core.Dit;
using T2I.Core.Text;
using T2I.Training.Loop;

namespace T2I.Training.Dit;

/// <summary>Builds the DiT trainer and its dry-run plan (parameter counts by formula: nothing is allocated).</summary>
public sealed class DitTrainerFactory : ITrainerFactory<DitTrainConfig>
{
    public string Name => "dit-flow-matching";

    public ITrainer Create(DitTrainConfig config, TrainerContext context) => new DitTrainer(config, context);

    public TrainingPlan Plan(DitTrainConfig config, LoopSettings loop)
    {
        bool builtin = config.TextEncoder == "builtin";
        var t5 = T5Config.V11Xxl;
        var clip = ClipTextConfig.VitL14;
        var dit = DitConfig.ByName(config.DitSize) with
        {
            ContextInDim = builtin ? config.BuiltinText.Width : t5.DModel,
            VecInDim = builtin ? config.BuiltinText.Width : clip.HiddenSize,
        };
        long ditParams = dit.ParameterCount();
        var counts = new List<ParameterCount> { new($"DiT ({config.DitSize})", ditParams, ditParams) };
        long textTokens = config.TextTokenCap;
        if (builtin)
        {
            long p = TextParameters.Builtin(config.BuiltinText, config.VocabularySize);
            counts.Add(new ParameterCount("text: built-in (≤ vocab)", p, p));
        }
        else
        {
            counts.Add(new ParameterCount("text: T5 v1.1 XXL (frozen)", TextParameters.T5(t5), 0));
            counts.Add(new ParameterCount("text: CLIP ViT-L/14 text (frozen)", TextParameters.Clip(clip), 0));
        }
        long trainable = counts.Sum(c => c.Trainable), frozen = counts.Sum(c => c.Total - c.Trainable);
        long imageTokens = (long)(config.Resolution / 16) * (config.Resolution / 16);
        long activations = (long)loop.BatchSize * ActivationBytesPerSample(dit, imageTokens, textTokens, config.GradientCheckpointing);
        long bf16Forward = 2 * (ditParams + frozen) + InferenceActivationBytes(dit, imageTokens, textTokens);
        double stepFlops = 3 * dit.ForwardFlops(imageTokens, textTokens) * loop.BatchSize;
        return new TrainingPlan(counts, MemoryEstimate.Training(trainable, frozen, loop.EmaDecay > 0, activations),
        [
            $"DiT: hidden {dit.HiddenSize}, {dit.Depth} double + {dit.DepthSingleBlocks} single blocks, {dit.NumHeads} heads × " +
                $"{dit.HeadDim}, patch 1 over d = {dit.InChannels} latents, RoPE axes [{string.Join(", ", dit.AxesDim)}]",
            $"data: {config.Data} at {config.Resolution}-px buckets ({imageTokens} image tokens for the square bucket; one bucket " +
                $"per batch), latents: {config.Latents} (normalised per channel), cached per dataset + codec",
            $"precision: {config.Precision}" +
                (config.Precision == "fp32" ? "" : " autocast of the DiT's matmuls (fp32 master weights, gradients, AdamW, EMA)"),
            $"flow matching: logit-normal t shifted " +
                $"{(config.FixedTimeShift is { } s ? $"by a fixed factor {s:G3}" : "by token count")} (mu " +
                $"{T2I.Core.Diffusion.TimeShift.Mu(imageTokens, config.FixedTimeShift):0.###}), caption dropout " +
                $"{config.CaptionDropout:P0}, AdamW ({config.Beta1}, {config.Beta2}), weight decay {loop.WeightDecay:G3}",
            $"samples: {loop.Steps * loop.BatchSize:N0} ({loop.Steps:N0} steps × batch {loop.BatchSize}); ≤ {stepFlops / 1e12:N1} " +
                $"TFLOP per step (matmuls, fwd + bwd, {imageTokens} image + {textTokens} text tokens: captions pad to the longest " +
                "in the batch, at most this)",
            $"bf16 forward at {config.Resolution} px, batch 1 (inference; DiT + text encoder weights + activations): ≈ " +
                $"{MemoryEstimate.Format(bf16Forward)}; with CFG batch 2 ≈ " +
                $"{MemoryEstimate.Format(bf16Forward + InferenceActivationBytes(dit, imageTokens, textTokens))}",
            $"training memory below: fp32 master weights, grads, AdamW moments, EMA, activations of the whole global batch on one " +
                $"device — split across data-parallel GPUs (e.g. 32 × H100: batch {Math.Max(1, loop.BatchSize / 32)} per GPU) and " +
                $"shard optimizer state (ZeRO/FSDP) for the 2B presets",
        ]) { FlopsPerStep = stepFlops };
    }

    /// <summary>
    /// Stored activations for backward, bf16, per sample (Korthikanti et al.: 34·L·d + 5·a·L² bytes per layer); with
    /// gradient checkpointing only each block's input (2·L·d, plus vec) is kept, and one block's activations at a time.
    /// </summary>
    private static long ActivationBytesPerSample(DitConfig dit, long imageTokens, long textTokens, bool checkpointing)
    {
        long l = imageTokens + textTokens, layers = dit.Depth + dit.DepthSingleBlocks;
        long perLayer = 34 * l * dit.HiddenSize + 5L * dit.NumHeads * l * l;
        return checkpointing ? layers * 2 * (l * dit.HiddenSize + dit.HiddenSize) + perLayer : layers * perLayer;
    }

    /// <summary>Live activations of a no-grad forward: a few [L, 4d] buffers and one [a, L, L] score matrix, bf16.</summary>
    private static long InferenceActivationBytes(DitConfig dit, long imageTokens, long textTokens)
    {
        long l = imageTokens + textTokens;
        return 2 * (8 * l * dit.HiddenSize + dit.MlpHidden * l * 2 + (long)dit.NumHeads * l * l);
    }
}

/// <summary>Text encoder parameter counts by formula (the plan must not load 4.7B T5 weights to count them).</summary>
public static class TextParameters
{
    public static long T5(T5Config c)
    {
        long d = c.DModel, inner = (long)c.NumHeads * c.DKv;
        long block = 4 * d * inner + 3 * d * c.DFf + 2 * d;
        return c.VocabSize * d + c.NumLayers * block + (long)c.RelativeAttentionNumBuckets * c.NumHeads + d;
    }

    public static long Clip(ClipTextConfig c)
    {
        long d = c.HiddenSize, i = c.IntermediateSize;
        long layer = 4 * (d * d + d) + 4 * d + d * i + i + i * d + d;
        return (long)c.VocabSize * d + (long)c.MaxPositions * d + c.NumLayers * layer + 2 * d;
    }

    public static long Builtin(BuiltinTextConfig c, int vocabulary)
    {
        long w = c.Width, v = vocabulary + BuiltinVocabulary.Reserved;
        long layer = (3 * w * w + 3 * w) + (w * w + w) + (4 * w * w + 4 * w) + (4 * w * w + w) + 4 * w;
        return v * w + (long)c.MaxTokens * w + c.Layers * layer + 2 * w + w * w + w;
    }
}
