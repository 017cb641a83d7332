using T2I.Core.Metrics;

namespace T2I.Training.Loop;

/// <summary>
/// PNG plots of a metrics JSONL file, one per metric group: a metric named <c>group/name</c> joins the plot
/// <c>group.png</c>; a name without a slash is its own group. Optional smoothing draws a debiased exponential
/// moving average over the faint raw curve.
/// </summary>
public static class MetricsPlot
{
    public static string GroupOf(string metric)
    {
        int slash = metric.IndexOf('/');
        return slash > 0 ? metric[..slash] : metric;
    }

    /// <summary>Renders every group of <paramref name="metricsPath"/> into <paramref name="outputDir"/>; returns the PNG paths.</summary>
    public static IReadOnlyList<string> Render(string metricsPath, string outputDir, double smoothing = 0, int width = 900,
        int height = 500)
    {
        if (smoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "Smoothing must be in [0, 1).");
        var records = MetricsLog.Read(metricsPath);
        var series = new SortedDictionary<string, (List<double> X, List<double> Y)>(StringComparer.Ordinal);
        foreach (var r in records)
            foreach (var (name, value) in r.Values)
            {
                if (!double.IsFinite(value)) continue;
                if (!series.TryGetValue(name, out var s)) series[name] = s = ([], []);
                s.X.Add(r.Step);
                s.Y.Add(value);
            }

        Directory.CreateDirectory(outputDir);
        var written = new List<string>();
        foreach (var group in series.GroupBy(kv => GroupOf(kv.Key)))
        {
            var plot = new ScottPlot.Plot();
            var palette = new ScottPlot.Palettes.Category10();
            bool log = UseLogScale(group.SelectMany(kv => kv.Value.Y));
            if (log) plot.Axes.Left.TickGenerator = LogTicks();
            int i = 0;
            foreach (var (name, (xs, raws)) in group)
            {
                var color = palette.GetColor(i++);
                var (px, py) = Decimate(xs, log ? raws.Select(Math.Log10).ToList() : raws, MaxPoints);
                var raw = plot.Add.ScatterLine(px, py, smoothing > 0 ? color.WithAlpha(0.25) : color);
                if (smoothing > 0)
                {
                    var smooth = plot.Add.ScatterLine(px, Smooth(py, smoothing), color);
                    smooth.LegendText = name;
                    smooth.LineWidth = 2;
                }
                else
                {
                    raw.LegendText = name;
                }
            }
            plot.Title(group.Key);
            plot.XLabel("step");
            plot.ShowLegend();
            string path = Path.Combine(outputDir, Sanitize(group.Key) + ".png");
            string temp = Path.Combine(outputDir, "." + Sanitize(group.Key) + ".tmp.png");
            plot.SavePng(temp, width, height);
            File.Move(temp, path, overwrite: true);
            written.Add(path);
        }
        return written;
    }

    /// <summary>More points than a 900-pixel plot can show only cost time: long runs are averaged down to this many.</summary>
    public const int MaxPoints = 3000;

    /// <summary>Averages consecutive points in equal chunks so at most <paramref name="max"/> remain.</summary>
    public static (double[] X, double[] Y) Decimate(IReadOnlyList<double> xs, IReadOnlyList<double> ys, int max)
    {
        int chunk = (xs.Count + max - 1) / Math.Max(1, max);
        if (chunk <= 1) return (xs.ToArray(), ys.ToArray());
        int n = (xs.Count + chunk - 1) / chunk;
        var ox = new double[n];
        var oy = new double[n];
        for (int i = 0; i < n; i++)
        {
            int from = i * chunk, to = Math.Min(xs.Count, from + chunk);
            double sx = 0, sy = 0;
            for (int j = from; j < to; j++) { sx += xs[j]; sy += ys[j]; }
            ox[i] = sx / (to - from);
            oy[i] = sy / (to - from);
        }
        return (ox, oy);
    }

    /// <summary>Losses that fall by orders of magnitude read better on a log axis: all positive and spanning ≥ 100×.</summary>
    public static bool UseLogScale(IEnumerable<double> values)
    {
        double min = double.PositiveInfinity, max = 0;
        foreach (double v in values)
        {
            if (v <= 0) return false;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        return max > 0 && max / min >= 100;
    }

    /// <summary>The data are plotted as log10; ticks at whole powers of ten, labelled with the real values.</summary>
    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = y => Math.Pow(10, y).ToString("G3", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Exponential moving average, debiased so the first points are not pulled towards zero.</summary>
    public static double[] Smooth(IReadOnlyList<double> values, double factor)
    {
        var result = new double[values.Count];
        double avg = 0, weight = 0;
        for (int i = 0; i < values.Count; i++)
        {
            avg = factor * avg + (1 - factor) * values[i];
            weight = factor * weight + (1 - factor);
            result[i] = avg / weight;
        }
        return result;
    }

    private static string Sanitize(string name)
        => string.Concat(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
