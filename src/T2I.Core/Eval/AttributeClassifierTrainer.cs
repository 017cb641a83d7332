using static TorchSharp.torch;
using T2I.Core.TorchSharpFixes;

namespace T2I.Core.Eval;

/// <summary>Training settings of the judge. <see cref="Augment"/> off only for experiments that need the crisp baseline.</summary>
public sealed record AttributeClassifierTrainOptions(int Epochs = 12, int BatchSize = 16, double LearningRate = 2e-3,
    int Seed = 0, bool Augment = true);

/// <summary>
/// Mini-batch AdamW training of <see cref="SyntheticAttributeClassifier"/> on the sum of every head's
/// cross-entropy. Each batch comes from one size group (one aspect bucket); groups are interleaved at random,
/// and the learning rate follows a cosine decay to zero.
/// </summary>
public static class AttributeClassifierTrainer
{
    /// <param name="onEpoch">(epoch, mean loss) after each epoch.</param>
    /// <returns>Mean training loss of the last epoch.</returns>
    public static double Train(SyntheticAttributeClassifier model, AttributeDataset data, AttributeClassifierTrainOptions? options = null,
        Action<int, double>? onEpoch = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        options ??= new AttributeClassifierTrainOptions();
        if (data.Vocabulary != model.Vocabulary && data.Vocabulary.ToJson() != model.Vocabulary.ToJson())
            throw new ArgumentException("The dataset's vocabulary differs from the judge's.", nameof(data));
        var device = model.parameters().First().device;
        var groups = data.Groups.Select(g => (Images: model.Prepare(g.Images), Labels: g.Labels.Select(l => tensor(l,
            device: device)).ToArray())).ToList();
        int positionAt = model.Attributes.ToList().IndexOf(AttributeVocabulary.Position);
        using var mirror = positionAt < 0 ? null : tensor(MirrorIndex(model.Vocabulary.Positions!), device: device);
        var optimizer = new SafeAdamW(model.parameters(), options.LearningRate, weightDecay: 1e-4);
        var rng = new Random(options.Seed);
        var augmentation = new JudgeAugmentation(options.Seed);
        int batchesPerEpoch = groups.Sum(g => (int)Math.Ceiling(g.Images.shape[0] / (double)options.BatchSize));
        long totalSteps = (long)batchesPerEpoch * options.Epochs, step = 0;
        double lastLoss = double.NaN;
        model.train();
        try
        {
            for (int epoch = 0; epoch < options.Epochs; epoch++)
            {
                var batches = new List<(int Group, long[] Rows)>();
                for (int g = 0; g < groups.Count; g++)
                {
                    var order = Enumerable.Range(0, (int)groups[g].Images.shape[0]).Select(i => (long)i).ToArray();
                    rng.Shuffle(order);
                    for (int start = 0; start < order.Length; start += options.BatchSize)
                        batches.Add((g, order[start..Math.Min(order.Length, start + options.BatchSize)]));
                }
                var plan = batches.ToArray();
                rng.Shuffle(plan);
                double sum = 0;
                foreach (var (g, rows) in plan)
                {
                    using var scope = NewDisposeScope();
                    foreach (var pg in optimizer.ParamGroups)
                        pg.LearningRate = options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * step / totalSteps));
                    var idx = tensor(rows, device: device);
                    var x = groups[g].Images.index_select(0, idx);
                    bool mirrored = false;
                    if (options.Augment) x = augmentation.Apply(x, out mirrored);
                    optimizer.zero_grad();
                    var logits = model.forward(x);
                    var loss = zeros(1, device: device);
                    for (int a = 0; a < logits.Length; a++)
                    {
                        var target = groups[g].Labels[a].index_select(0, idx);
                        if (a == positionAt && mirrored) target = mirror!.index_select(0, target);
                        loss = loss.Plus(nn.functional.cross_entropy(logits[a], target));
                    }
                    loss.backward();
                    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                    optimizer.step();
                    sum += loss.item<float>();
                    step++;
                }
                lastLoss = sum / plan.Length;
                onEpoch?.Invoke(epoch, lastLoss);
            }
        }
        finally
        {
            foreach (var (images, labels) in groups)
            {
                images.Dispose();
                foreach (var l in labels) l.Dispose();
            }
        }
        model.eval();
        return lastLoss;
    }

    /// <summary>Index map position → mirrored position (identity where the mirror is not in the vocabulary).</summary>
    private static long[] MirrorIndex(IReadOnlyList<string> positions) =>
        positions.Select((p, i) => (long)(positions.ToList().IndexOf(JudgeAugmentation.MirrorPosition(p)) is var m && m >= 0 ? m
            : i)).ToArray();
}
