namespace T2I.Core.Eval;

/// <summary>Top-1 and top-5 hits of judged images against their intended concepts, with Wilson 95 % intervals.</summary>
public sealed record ConceptAccuracy(int Count, int Top1, int Top5)
{
    public double Top1Rate => Count == 0 ? double.NaN : (double)Top1 / Count;
    public double Top5Rate => Count == 0 ? double.NaN : (double)Top5 / Count;
    public (double Low, double High) Top1Interval => BinomialInterval.Wilson(Top1, Count);
    public (double Low, double High) Top5Interval => BinomialInterval.Wilson(Top5, Count);

    /// <summary>Counts hits of ranked predictions (best first) against target class indices.</summary>
    public static ConceptAccuracy Of(IReadOnlyList<int[]> ranked, IReadOnlyList<int> targets)
    {
        if (ranked.Count != targets.Count) throw new ArgumentException($"{ranked.Count} predictions, {targets.Count} targets.");
        int top1 = 0, top5 = 0;
        for (int i = 0; i < ranked.Count; i++)
        {
            if (ranked[i].Length > 0 && ranked[i][0] == targets[i]) top1++;
            if (ranked[i].Take(5).Contains(targets[i])) top5++;
        }
        return new ConceptAccuracy(targets.Count, top1, top5);
    }

    public override string ToString() =>
        $"top-1 {Top1Rate:P1} [{Top1Interval.Low:P1}, {Top1Interval.High:P1}], " +
        $"top-5 {Top5Rate:P1} [{Top5Interval.Low:P1}, {Top5Interval.High:P1}] of {Count}";
}
