using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>
/// Mini-batch training of a <see cref="ConceptJudge"/>: full batches of ~9k × 1,900 logits cost ~40 GFLOP a step on
/// two cores, while a few epochs of small batches converge; weight decay keeps the 512 → ~1,900 head from memorising.
/// </summary>
public sealed record ConceptJudgeOptions(int Epochs = 20, int BatchSize = 256, double LearningRate = 3e-3, double WeightDecay = 1e-3,
    int Seed = 0);

public static class ConceptJudgeTrainer
{
    /// <summary>Fits the head on features [N, D] with class indices <paramref name="labels"/>; returns the last epoch's
    /// mean loss.</summary>
    public static double Train(ConceptJudge judge, Tensor features, IReadOnlyList<int> labels, ConceptJudgeOptions? options = null)
    {
        options ??= new ConceptJudgeOptions();
        if (features.shape[0] != labels.Count) throw new ArgumentException($"{features.shape[0]} feature rows, {labels.Count} labels.");
        if (labels.Any(l => l < 0 || l >= judge.Concepts.Count)) throw new ArgumentException("A label is outside the judge's concepts.");
        var generator = new Generator().manual_seed(options.Seed);
        judge.Standardise(features);
        judge.train();
        using var target = tensor(labels.Select(l => (long)l).ToArray());
        using var optimizer = optim.AdamW(judge.parameters(), options.LearningRate, weight_decay: options.WeightDecay);
        double last = double.NaN;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            using var order = randperm(labels.Count, generator: generator);
            double sum = 0;
            int batches = 0;
            foreach (var start in Enumerable.Range(0, (labels.Count + options.BatchSize - 1) / options.BatchSize))
            {
                using var scope = NewDisposeScope();
                int first = start * options.BatchSize;
                var rows = order.narrow(0, first, Math.Min(options.BatchSize, labels.Count - first));
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(judge.forward(features.index_select(0, rows)), target.index_select(0, rows));
                loss.backward();
                optimizer.step();
                sum += loss.item<float>();
                batches++;
            }
            last = sum / batches;
        }
        judge.eval();
        return last;
    }
}
