using T2I.Core;
using System.Globalization;
using System.Text;
using System.Text.Json;
using T2I.Core.Metrics;
using T2I.Training.Loop;
using T2I.Training.Presets;

namespace T2I.Training.Dit;

/// <summary>One side of the comparison: a name and the codec folder its latents come from.</summary>
public sealed record ComparisonArm(string Name, string Latents)
{
    /// <summary><c>name=path</c>.</summary>
    public static ComparisonArm Parse(string text)
    {
        int eq = text.IndexOf('=');
        if (eq <= 0 || eq == text.Length - 1) throw new ArgumentException($"--arm '{text}' is not NAME=CODEC_FOLDER.");
        string name = text[..eq];
        if (name.Any(c => !char.IsLetterOrDigit(c) && c is not '-' and not '_'))
            throw new ArgumentException($"arm name '{name}' must be letters, digits, - or _.");
        return new ComparisonArm(name, text[(eq + 1)..]);
    }
}

/// <summary>Generation accuracy of one arm at one evaluation step, with the mean training loss of the steps since the
/// previous evaluation.</summary>
public sealed record ComparisonRow(string Arm, long Step, double ColorAccuracy, double ShapeAccuracy, double BothAccuracy, double Loss);

public sealed record ComparisonResult(IReadOnlyList<ComparisonRow> Rows, double ColorChance, double ShapeChance, string TablePath,
    string PlotPath);

/// <summary>
/// Paper A's Fig. 4-right claim in miniature: the same DiT preset, steps, data and seed trained on each arm's latents;
/// every arm judged by the same attribute classifier (trained once here unless given) at the same evaluation steps.
/// Writes <c>comparison.md</c> (table), <c>comparison.json</c> and <c>comparison.png</c> (accuracy vs. step).
/// <paramref name="only"/> trains just those arms and writes no table: one process per arm uses one core each; a
/// final run without it finds every arm finished and writes the table.
/// </summary>
public static class LatentComparison
{
    public static ComparisonResult? Run(Preset<DitTrainConfig> preset, IReadOnlyList<ComparisonArm> arms, string outDir, string device,
        string? classifier, IProgress<ProgressUpdate>? progress, Action<string> log, CancellationToken cancel = default,
        IReadOnlyCollection<string>? only = null)
    {
        if (arms.Count < 2 || arms.Select(a =>
            a.Name).Distinct().Count() != arms.Count) throw new ArgumentException("Give at least two arms with distinct names.");
        if (preset.Loop.EvalEvery <= 0) throw new ArgumentException("eval_every must be > 0: the comparison is accuracy at " +
            "evaluation steps.");
        if (only?.FirstOrDefault(n => arms.All(a =>
            a.Name != n)) is { } unknown) throw new ArgumentException($"--only {unknown}: no arm has that name.");
        Directory.CreateDirectory(outDir);
        string judge = classifier ?? Path.Combine(outDir, "judge");
        if (classifier is null && !T2I.Core.Eval.SyntheticAttributeClassifier.IsSavedIn(judge))
        {
            // Arms trained by separate processes must share one judge: training it in each would race on the folder.
            if (only is not null) throw new ArgumentException("--only needs a judge every process shares: pass --classifier, or " +
                "run once without --only.");
            using var trained = GenerationEval.TrainClassifier(preset.Config.Data, preset.Config.ShardResolution, preset.Loop.Seed, log);
            trained.Save(judge);
        }
        var rows = new List<ComparisonRow>();
        foreach (var arm in arms.Where(a => only is null || only.Contains(a.Name)))
        {
            var armPreset = preset with
            {
                Name = $"{preset.Name}-{arm.Name}",
                Config = preset.Config with
                {
                    Latents = arm.Latents,
                    EvalClassifier = judge
                }
            };
            log($"compare-latents: arm {arm.Name} ({arm.Latents}) → {Path.Combine(outDir, arm.Name)}");
            var result = TrainingLoop.Run(armPreset, new RunOptions(Path.Combine(outDir, arm.Name))
            {
                Device = device,
                Progress = progress, Log = log
            }, cancel);
            if (!result.Completed) throw new OperationCanceledException($"arm {arm.Name} stopped at step {result.Step}; rerun the " +
                $"same command to resume.");
        }
        if (only is not null) return null;
        foreach (var arm in arms) rows.AddRange(ReadRows(arm.Name, Path.Combine(outDir, arm.Name, TrainingLoop.MetricsFile)));
        var chance = MetricsLog.Read(Path.Combine(outDir, arms[0].Name, TrainingLoop.MetricsFile)).Last(r =>
            r.Values.ContainsKey("eval/color_chance")).Values;
        var outcome = new ComparisonResult(rows, chance["eval/color_chance"], chance["eval/shape_chance"],
            Path.Combine(outDir, "comparison.md"), Path.Combine(outDir, "comparison.png"));
        WriteTable(outcome, arms, preset);
        WritePlot(outcome, arms);
        File.WriteAllText(Path.Combine(outDir, "comparison.json"), JsonSerializer.Serialize(outcome,
            new JsonSerializerOptions { WriteIndented = true }));
        return outcome;
    }

    /// <summary>The eval lines of a run's metrics, each with the mean loss of the training steps since the previous one.</summary>
    public static IReadOnlyList<ComparisonRow> ReadRows(string arm, string metricsPath)
    {
        var rows = new List<ComparisonRow>();
        var losses = new List<double>();
        foreach (var r in MetricsLog.Read(metricsPath))
        {
            if (r.Values.TryGetValue("loss", out double loss)) losses.Add(loss);
            if (!r.Values.TryGetValue("eval/color_acc", out double color)) continue;
            rows.Add(new ComparisonRow(arm, r.Step, color, r.Values["eval/shape_acc"], r.Values["eval/both_acc"],
                losses.Count > 0 ? losses.Average() : double.NaN));
            losses.Clear();
        }
        return rows;
    }

    private static void WriteTable(ComparisonResult r, IReadOnlyList<ComparisonArm> arms, Preset<DitTrainConfig> preset)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ci,
            $"Preset {preset.Name}: DiT {preset.Config.DitSize}, {preset.Loop.Steps} steps × batch {preset.Loop.BatchSize}, " +
            $"{preset.Config.Resolution}-px buckets, data {preset.Config.Data}; " +
            $"one image per distinct colour × shape prompt (at most {preset.Config.EvalPrompts}; for intervals run gen-accuracy), " +
                $"{preset.Config.EvalSteps} DDIM steps, CFG {preset.Config.EvalGuidance}. Chance: colour {r.ColorChance:P0}, " +
                $"shape {r.ShapeChance:P0}.");
        sb.AppendLine();
        sb.AppendLine("| step | " + string.Join(" | ", arms.Select(a =>
            $"{a.Name} colour | {a.Name} shape | {a.Name} both | {a.Name} loss")) + " |");
        sb.AppendLine("|---:|" + string.Concat(arms.Select(_ => "---:|---:|---:|---:|")));
        foreach (var step in r.Rows.Select(x => x.Step).Distinct().Order())
        {
            var cells = arms.Select(a => r.Rows.FirstOrDefault(x => x.Arm == a.Name && x.Step == step) is { } x
                ? string.Create(ci, $"{x.ColorAccuracy:P0} | {x.ShapeAccuracy:P0} | {x.BothAccuracy:P0} | {x.Loss:0.000}")
                    : "– | – | – | –");
            sb.AppendLine($"| {step} | " + string.Join(" | ", cells) + " |");
        }
        sb.AppendLine();
        sb.AppendLine("Arms: " + string.Join("; ", arms.Select(a => $"{a.Name} = {a.Latents}")));
        File.WriteAllText(r.TablePath, sb.ToString());
    }

    private static void WritePlot(ComparisonResult r, IReadOnlyList<ComparisonArm> arms)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < arms.Count; i++)
        {
            var rows = r.Rows.Where(x => x.Arm == arms[i].Name).OrderBy(x => x.Step).ToList();
            double[] steps = rows.Select(x => (double)x.Step).ToArray();
            var color = plot.Add.ScatterLine(steps, rows.Select(x => x.ColorAccuracy).ToArray(), palette.GetColor(i));
            color.LegendText = $"{arms[i].Name}: colour";
            color.LineWidth = 2;
            var shape = plot.Add.ScatterLine(steps, rows.Select(x => x.ShapeAccuracy).ToArray(), palette.GetColor(i));
            shape.LegendText = $"{arms[i].Name}: shape";
            shape.LinePattern = ScottPlot.LinePattern.Dashed;
            shape.LineWidth = 2;
        }
        foreach (var (y, label) in new[] { (r.ColorChance, "colour chance"), (r.ShapeChance, "shape chance") })
        {
            var line = plot.Add.HorizontalLine(y, color: ScottPlot.Colors.Gray);
            line.LinePattern = ScottPlot.LinePattern.Dotted;
            line.LegendText = label;
        }
        plot.Axes.SetLimitsY(0, 1);
        plot.Title("Generation accuracy vs. DiT training step");
        plot.XLabel("step");
        plot.YLabel("accuracy (attribute classifier)");
        plot.ShowLegend();
        string temp = r.PlotPath + ".tmp.png";
        plot.SavePng(temp, 900, 520);
        File.Move(temp, r.PlotPath, overwrite: true);
    }
}
