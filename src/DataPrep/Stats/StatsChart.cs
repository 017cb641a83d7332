using ScottPlot;

namespace T2I.DataPrep.Stats;

/// <summary>Bar charts (PNG) of rows per bucket and drops per reason.</summary>
public static class StatsChart
{
    /// <summary>Writes <c>{prefix}-buckets.png</c> and <c>{prefix}-drops.png</c>; returns their paths.</summary>
    public static IReadOnlyList<string> Write(IngestStats stats, string prefix)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(prefix))!;
        Directory.CreateDirectory(dir);
        var files = new List<string>
        {
            Bars(stats.Buckets, $"Rows per bucket ({stats.Kept} kept of {stats.Samples})", "rows", prefix + "-buckets.png"),
            Bars(stats.Drops, $"Dropped samples by reason ({stats.Drops.Values.Sum()})", "samples", prefix + "-drops.png"),
        };
        return files;
    }

    private static string Bars(IReadOnlyDictionary<string, long> counts, string title, string yLabel, string path)
    {
        var plot = new Plot();
        var labels = counts.Keys.ToArray();
        var values = counts.Values.Select(v => (double)v).ToArray();
        if (values.Length > 0)
        {
            var bars = plot.Add.Bars(values);
            for (int i = 0; i < bars.Bars.Count; i++) bars.Bars[i].Label = values[i].ToString("0");
            bars.ValueLabelStyle.FontSize = 10;
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, labels.Length).Select(i => (double)i).ToArray(), labels);
            plot.Axes.Bottom.TickLabelStyle.Rotation = -60;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
            plot.Axes.Bottom.MinimumSize = 110;
            plot.Axes.Margins(bottom: 0);
        }
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.SavePng(path, Math.Max(640, 28 * labels.Length + 160), 480);
        return path;
    }
}
