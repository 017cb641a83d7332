using T2I.Core.Pretrained.MiniLm;
using T2I.Core.Dit;
using T2I.Core.Text;
using T2I.Training.Loop;

namespace T2I.Training.Dit;

/// <summary>
/// A DiT run's sizes by formula (nothing is allocated): parameter counts, tokens per sample and training memory; and the
/// one rule that cuts the batch into micro-batches, which the dry-run prints and the trainer follows.
/// </summary>
public sealed class DitMemoryPlan
{
    private readonly DitTrainConfig _config;
    private readonly LoopSettings _loop;

    public DitMemoryPlan(DitTrainConfig config, LoopSettings loop)
    {
        (_config, _loop) = (config, loop);
        bool builtin = config.TextEncoder == "builtin", miniLm = config.TextEncoder == MiniLmTextEncoder.EncoderName;
        var t5 = T5Config.V11Xxl;
        var clip = ClipTextConfig.VitL14;
        var bert = BertConfig.MiniLmL6;
        Dit = DitConfig.ByName(config.DitSize) with
        {
            ContextInDim = builtin ? config.BuiltinText.Width : miniLm ? bert.Hidden : t5.DModel,
            VecInDim = builtin ? config.BuiltinText.Width : miniLm ? bert.Hidden : clip.HiddenSize,
        };
        long ditParams = Dit.ParameterCount();
        var counts = new List<ParameterCount> { new($"DiT ({config.DitSize})", ditParams, ditParams) };
        if (builtin)
        {
            long p = TextParameters.Builtin(config.BuiltinText, config.VocabularySize);
            counts.Add(new ParameterCount("text: built-in (≤ vocab)", p, p));
        }
        else if (miniLm) counts.Add(new ParameterCount("text: all-MiniLM-L6-v2 (frozen)", TextParameters.Bert(bert), 0));
        else
        {
            counts.Add(new ParameterCount("text: T5 v1.1 XXL (frozen)", TextParameters.T5(t5), 0));
            counts.Add(new ParameterCount("text: CLIP ViT-L/14 text (frozen)", TextParameters.Clip(clip), 0));
        }
        Counts = counts;
        ImageTokens = (long)(config.Resolution / 16) * (config.Resolution / 16);
        TextTokens = config.TextTokenCap;
    }

    public DitConfig Dit { get; }
    public IReadOnlyList<ParameterCount> Counts { get; }
    public long ImageTokens { get; }
    public long TextTokens { get; }
    public long Frozen => Counts.Sum(c => c.Total - c.Trainable);

    /// <summary>Peak training memory with <paramref name="microBatch"/> samples' activations alive at once.</summary>
    public long Estimate(int microBatch, bool checkpointing) => MemoryEstimate.Training(Counts.Sum(c => c.Trainable), Frozen,
        _loop.EmaDecay > 0, microBatch * ActivationBytesPerSample(checkpointing));

    /// <summary>
    /// <c>grad_accum</c> N: micro-batch = batch_size / N. Else with <c>device_memory</c>: the fewest accumulation steps (a
    /// divisor of batch_size) that fit, without activation checkpointing if any does (it costs ~1 extra forward, while
    /// accumulation costs no FLOPs), with it otherwise. Else the whole batch at once.
    /// </summary>
    public MicroBatching Choose()
    {
        int batch = _loop.BatchSize;
        bool ckpt = _config.GradientCheckpointing;
        if (_config.GradAccum < 0) throw new ArgumentException($"grad_accum {_config.GradAccum}: must be ≥ 1 (0 = choose).");
        if (_config.GradAccum > 0)
        {
            if (batch % _config.GradAccum != 0) throw new ArgumentException($"grad_accum {_config.GradAccum} must divide " +
                $"batch_size {batch} (the global batch is micro-batch × grad_accum).");
            int micro = batch / _config.GradAccum;
            return new MicroBatching(micro, _config.GradAccum, ckpt, Estimate(micro, ckpt));
        }
        if (string.IsNullOrWhiteSpace(_config.DeviceMemory)) return new MicroBatching(batch, 1, ckpt, Estimate(batch, ckpt));
        long budget = ByteSize.Parse(_config.DeviceMemory);
        var divisors = Enumerable.Range(1, batch).Where(a => batch % a == 0).ToList();
        foreach (bool checkpointing in ckpt ? [true] : new[] { false, true })
            foreach (int accum in divisors)
                if (Estimate(batch / accum, checkpointing) <= budget)
                    return new MicroBatching(batch / accum, accum, checkpointing, Estimate(batch / accum, checkpointing));
        return new MicroBatching(1, batch, true, Estimate(1, true)) { Fits = false };
    }

    /// <summary>
    /// Stored activations for backward, bf16, per sample (Korthikanti et al.: 34·L·d + 5·a·L² bytes per layer); with
    /// gradient checkpointing only each block's input (2·L·d, plus vec) is kept, and one block's activations at a time.
    /// </summary>
    public long ActivationBytesPerSample(bool checkpointing)
    {
        long l = ImageTokens + TextTokens, layers = Dit.Depth + Dit.DepthSingleBlocks;
        long perLayer = 34 * l * Dit.HiddenSize + 5L * Dit.NumHeads * l * l;
        return checkpointing ? layers * 2 * (l * Dit.HiddenSize + Dit.HiddenSize) + perLayer : layers * perLayer;
    }

    /// <summary>Live activations of a no-grad forward: a few [L, 4d] buffers and one [a, L, L] score matrix, bf16.</summary>
    public long InferenceActivationBytes()
    {
        long l = ImageTokens + TextTokens;
        return 2 * (8 * l * Dit.HiddenSize + Dit.MlpHidden * l * 2 + (long)Dit.NumHeads * l * l);
    }
}
