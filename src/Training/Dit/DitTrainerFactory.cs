using T2I.Core.Pretrained.MiniLm;
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
        var sizes = new DitMemoryPlan(config, loop);
        var dit = sizes.Dit;
        long imageTokens = sizes.ImageTokens, textTokens = sizes.TextTokens;
        var micro = sizes.Choose();
        long bf16Forward = 2 * (dit.ParameterCount() + sizes.Frozen) + sizes.InferenceActivationBytes();
        double stepFlops = 3 * dit.ForwardFlops(imageTokens, textTokens) * loop.BatchSize;
        return new TrainingPlan(sizes.Counts, micro.EstimatedBytes,
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
            MicroBatchLine(config, loop, micro),
            $"bf16 forward at {config.Resolution} px, batch 1 (inference; DiT + text encoder weights + activations): ≈ " +
                $"{MemoryEstimate.Format(bf16Forward)}; with CFG batch 2 ≈ " +
                $"{MemoryEstimate.Format(bf16Forward + sizes.InferenceActivationBytes())}",
            $"training memory below: fp32 master weights, grads, AdamW moments, EMA, activations of one micro-batch on one " +
                "device, i.e. per data-parallel rank (batch_size is per rank; the global batch is batch_size × ranks)",
        ])
        { FlopsPerStep = stepFlops, Accumulation = micro.Accumulation };
    }

    private static string MicroBatchLine(DitTrainConfig config, LoopSettings loop, MicroBatching m)
    {
        string how = $"micro-batch {m.MicroBatch} × grad_accum {m.Accumulation} = batch {loop.BatchSize}, activation " +
            $"checkpointing {(m.Checkpointing ? "on" : "off")}: {MemoryEstimate.Format(m.EstimatedBytes)}";
        if (string.IsNullOrWhiteSpace(config.DeviceMemory) || config.GradAccum > 0) return how;
        return m.Fits
            ? $"{how}, chosen for device_memory {config.DeviceMemory} (fewest accumulation steps that fit; checkpointing only if needed)"
            : $"{how} — does not fit device_memory {config.DeviceMemory} even so: shard optimizer state or use a smaller dit_size";
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

    /// <summary>BERT without its pooler (sentence-transformers pool by a masked mean): embeddings, then each layer's
    /// attention, FFN and two LayerNorms.</summary>
    public static long Bert(BertConfig c)
    {
        long d = c.Hidden, i = c.Intermediate;
        long layer = 4 * (d * d + d) + 2 * d + d * i + i + i * d + d + 2 * d;
        return ((long)c.VocabSize + c.MaxPositions + c.TypeVocabSize) * d + 2 * d + c.Layers * layer;
    }

    public static long Builtin(BuiltinTextConfig c, int vocabulary)
    {
        long w = c.Width, v = vocabulary + BuiltinVocabulary.Reserved;
        long layer = (3 * w * w + 3 * w) + (w * w + w) + (4 * w * w + 4 * w) + (4 * w * w + w) + 4 * w;
        return v * w + (long)c.MaxTokens * w + c.Layers * layer + 2 * w + w * w + w;
    }
}
