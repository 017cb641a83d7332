namespace T2I.Core.Eval;

/// <summary>The judge's accuracy on one style it never saw (trained on the other styles).</summary>
public sealed record StyleHoldOut(string Style, ConceptAccuracy Accuracy);

/// <summary>
/// How far a concept judge can be trusted on images unlike its training set: leave one style out, train on the rest,
/// judge the held-out style. Generated images are a new "style" too, so this is the honest bound for their scores.
/// </summary>
public static class ConceptJudgeValidation
{
    /// <summary>One hold-out per style present in <paramref name="data"/> (styles with no rows are skipped).</summary>
    public static IReadOnlyList<StyleHoldOut> LeaveOneStyleOut(ConceptFeatures data, IReadOnlyList<string> concepts, string encoder,
        int imageSize, ConceptJudgeOptions? options = null)
    {
        var results = new List<StyleHoldOut>();
        foreach (string style in data.Styles.Distinct().Order(StringComparer.Ordinal))
        {
            using var train = data.WhereStyle(style, keep: false);
            using var held = data.WhereStyle(style, keep: true);
            if (train.Count == 0 || held.Count == 0) continue;
            using var judge = Fit(train, concepts, encoder, imageSize, options);
            var ranked = judge.TopK(held.Features, 5);
            results.Add(new StyleHoldOut(style, ConceptAccuracy.Of(ranked, held.Concepts.Select(judge.IndexOf).ToList())));
        }
        return results;
    }

    /// <summary>A judge over <paramref name="concepts"/> trained on all of <paramref name="data"/>.</summary>
    public static ConceptJudge Fit(ConceptFeatures data, IReadOnlyList<string> concepts, string encoder, int imageSize,
        ConceptJudgeOptions? options = null)
    {
        var judge = new ConceptJudge(concepts, encoder, imageSize, (int)data.Features.shape[1]);
        ConceptJudgeTrainer.Train(judge, data.Features, data.Concepts.Select(judge.IndexOf).ToList(), options);
        return judge;
    }

    /// <summary>All hold-outs pooled: every image judged once, by the judge that never saw its style.</summary>
    public static ConceptAccuracy Pooled(IEnumerable<StyleHoldOut> holdOuts) => holdOuts.Aggregate(new ConceptAccuracy(0, 0, 0),
        (sum, h) => new ConceptAccuracy(sum.Count + h.Accuracy.Count, sum.Top1 + h.Accuracy.Top1, sum.Top5 + h.Accuracy.Top5));
}
