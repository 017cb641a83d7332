using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>Full-batch training of a <see cref="ConceptJudge"/>: weight decay keeps a 512 → ~1,900 head from memorising.</summary>
public sealed record ConceptJudgeOptions(int Steps = 300, double LearningRate = 0.01, double WeightDecay = 1e-3, int Seed = 0);

public static class ConceptJudgeTrainer
{
    /// <summary>Fits the head on features [N, D] with class indices <paramref name="labels"/>; returns the last loss.</summary>
    public static double Train(ConceptJudge judge, Tensor features, IReadOnlyList<int> labels, ConceptJudgeOptions? options = null)
    {
        options ??= new ConceptJudgeOptions();
        if (features.shape[0] != labels.Count) throw new ArgumentException($"{features.shape[0]} feature rows, {labels.Count} labels.");
        if (labels.Any(l => l < 0 || l >= judge.Concepts.Count)) throw new ArgumentException("A label is outside the judge's concepts.");
        manual_seed(options.Seed);
        judge.Standardise(features);
        judge.train();
        using var target = tensor(labels.Select(l => (long)l).ToArray());
        using var optimizer = optim.AdamW(judge.parameters(), options.LearningRate, weight_decay: options.WeightDecay);
        double last = double.NaN;
        for (int step = 0; step < options.Steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(judge.forward(features), target);
            loss.backward();
            optimizer.step();
            last = loss.item<float>();
        }
        judge.eval();
        return last;
    }
}
