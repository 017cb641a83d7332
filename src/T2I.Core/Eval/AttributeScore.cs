using System.Text;

namespace T2I.Core.Eval;

/// <summary>
/// How well generations show one requested attribute: hits of <see cref="Count"/> requests, the chance level of
/// uniform guessing, a 95 % Wilson interval, and the confusion matrix (row = requested class, column = what the
/// judge saw, in <see cref="Classes"/> order).
/// </summary>
public sealed record AttributeScore(string Attribute, IReadOnlyList<string> Classes, int Count, int Hits, long[][] Confusion)
{
    public double Accuracy => Count == 0 ? double.NaN : (double)Hits / Count;
    public double Chance => 1.0 / Classes.Count;
    /// <summary>Uniform guessing over the classes that were asked for (the judge's vocabulary may be wider).</summary>
    public double PromptedChance => Confusion.Count(r => r.Sum() > 0) is int asked and > 0 ? 1.0 / asked : double.NaN;
    public (double Low, double High) Interval95 => BinomialInterval.Wilson(Hits, Count);

    /// <summary>
    /// Accuracy expected if what the judge saw did not depend on what was asked, with the same request mix and the same
    /// spread of seen classes (Σ asked_k · seen_k / N², Cohen's p_e): the baseline a generator that ignores the word but
    /// draws its usual outputs would reach. It can be far below <see cref="Chance"/> over the prompted set when the judge
    /// reads the generations as classes nobody asked for.
    /// </summary>
    public double IndependenceChance
    {
        get
        {
            long total = Confusion.Sum(r => r.Sum());
            if (total == 0) return double.NaN;
            double sum = 0;
            for (int k = 0; k < Classes.Count; k++) sum += (double)Confusion[k].Sum() * Confusion.Sum(r => r[k]);
            return sum / ((double)total * total);
        }
    }

    /// <summary>The confusion matrix as aligned text, only rows that were requested.</summary>
    public string ConfusionTable()
    {
        string header = $"{Attribute} asked \\ seen";
        int w = Math.Max(header.Length, Classes.Max(c => c.Length)) + 1;
        var sb = new StringBuilder().Append(header.PadRight(w));
        foreach (var c in Classes) sb.Append(c.Length > 6 ? c[..6].PadLeft(7) : c.PadLeft(7));
        sb.AppendLine();
        for (int r = 0; r < Classes.Count; r++)
        {
            if (Confusion[r].Sum() == 0) continue;
            sb.Append(Classes[r].PadRight(w));
            foreach (long v in Confusion[r]) sb.Append(v.ToString().PadLeft(7));
            sb.AppendLine();
        }
        return sb.ToString();
    }
}
