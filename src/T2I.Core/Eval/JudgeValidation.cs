using System.Text;
using static TorchSharp.torch;

namespace T2I.Core.Eval;

/// <summary>Held-out accuracy of the judge per attribute, for one size group (aspect bucket) or all together.</summary>
public sealed record JudgeAccuracy(string Group, int Count, IReadOnlyDictionary<string, double> ByAttribute);

/// <summary>
/// Validates a judge on labelled held-out images: accuracy per attribute overall and per aspect bucket, on the
/// crisp images and on softened copies (<see cref="Soften"/>) that look like low-resolution generations.
/// </summary>
public static class JudgeValidation
{
    /// <summary>Downscale to half size and back, then a Gaussian blur (σ = 0.8 px): a blurry generation's look.</summary>
    public static Tensor Soften(Tensor images)
    {
        using var scope = NewDisposeScope();
        long h = images.shape[2], w = images.shape[3];
        var x = nn.functional.interpolate(images, [h / 2, w / 2], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
        x = nn.functional.interpolate(x, [h, w], mode: InterpolationMode.Bilinear, align_corners: false);
        return JudgeAugmentation.Blur(x, 0.8).MoveToOuterDisposeScope();
    }

    /// <summary>First the "all" row, then one per size group.</summary>
    public static List<JudgeAccuracy> Evaluate(SyntheticAttributeClassifier judge, AttributeDataset data, Func<Tensor,
        Tensor>? degrade = null)
    {
        if (data.Vocabulary.ToJson() != judge.Vocabulary.ToJson())
            throw new ArgumentException("Held-out data must be read with the judge's vocabulary.", nameof(data));
        var attributes = judge.Attributes;
        var totalHits = new long[attributes.Count];
        var rows = new List<JudgeAccuracy>();
        foreach (var group in data.Groups)
        {
            var hits = new long[attributes.Count];
            for (long start = 0; start < group.Count; start += 128)
            {
                using var scope = NewDisposeScope();
                long end = Math.Min(group.Count, start + 128);
                var x = group.Images.slice(0, start, end, 1);
                var predicted = judge.Predict(degrade is null ? x : degrade(x));
                for (int a = 0; a < hits.Length; a++)
                    for (long i = start; i < end; i++) hits[a] += predicted[a][i - start] == group.Labels[a][i] ? 1 : 0;
            }
            for (int a = 0; a < hits.Length; a++) totalHits[a] += hits[a];
            rows.Add(Row(group.Size, group.Count, attributes, hits));
        }
        rows.Insert(0, Row("all", data.Count, attributes, totalHits));
        return rows;
    }

    /// <summary>Aligned text table: one row per group, one column per attribute.</summary>
    public static string Table(IReadOnlyList<JudgeAccuracy> rows)
    {
        var attributes = rows[0].ByAttribute.Keys.ToList();
        var sb = new StringBuilder($"{"bucket",-10}{"n",6}");
        foreach (var a in attributes) sb.Append($"{a,12}");
        sb.AppendLine();
        foreach (var r in rows)
        {
            sb.Append($"{r.Group,-10}{r.Count,6}");
            foreach (var a in attributes) sb.Append($"{r.ByAttribute[a],12:P1}");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    private static JudgeAccuracy Row(string group, int count, IReadOnlyList<string> attributes, long[] hits) =>
        new(group, count, attributes.Select((a, i) => (a, hits[i] / (double)count)).ToDictionary(p => p.a, p => p.Item2));
}
