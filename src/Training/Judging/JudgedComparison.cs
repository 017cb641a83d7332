using System.Globalization;
using System.Text;
using System.Text.Json;
using T2I.Core.Checkpoints;
using T2I.Core.Eval;
using T2I.Training.Dit;

namespace T2I.Training.Judging;

/// <summary>One arm at one DiT step: the judge's top-1/top-5 on prompts as trained and paraphrased.</summary>
public sealed record JudgedRow(string Arm, long Step, ConceptAccuracy AsTrained, ConceptAccuracy Paraphrased);

/// <summary>
/// The emoji version of <c>compare-latents</c>' table: DiT runs that differ only in their latents (aligned tokenizer,
/// KL-VAE, VFM-VAE …), each kept checkpoint at the given steps judged by a concept judge with the same prompts and seeds.
/// Each cell is saved as it finishes (<c>cells/ARM-STEP.json</c>), so a rerun only judges what is missing; then
/// <c>comparison.md</c>, <c>comparison.json</c> and <c>comparison.png</c> (top-1 and top-5 vs step per arm).
/// </summary>
public static class JudgedComparison
{
    public static IReadOnlyList<JudgedRow> Run(IReadOnlyList<ComparisonArm> arms, IReadOnlyList<long> steps, string judge, int seeds,
        int sampleSteps, double guidance, string outDir, Action<string> log)
    {
        if (arms.Count == 0 || steps.Count == 0) throw new ArgumentException("Give at least one --arm and one step.");
        Directory.CreateDirectory(Path.Combine(outDir, "cells"));
        var rows = new List<JudgedRow>();
        foreach (var arm in arms)
            foreach (long step in steps)
            {
                string cell = Path.Combine(outDir, "cells", $"{arm.Name}-{step}.json");
                if (File.Exists(cell))
                {
                    rows.Add(JsonSerializer.Deserialize<JudgedRow>(File.ReadAllText(cell))!);
                    continue;
                }
                string checkpoint = Path.Combine(CheckpointFolder.CheckpointsDir(arm.Latents), CheckpointFolder.FolderName(step));
                if (!Directory.Exists(checkpoint))
                    throw new DirectoryNotFoundException($"arm {arm.Name}: no checkpoint for step {step} ({checkpoint}).");
                log($"{arm.Name} step {step}: judging {checkpoint}");
                var judged = ConceptCheckpointJudge.Run(checkpoint, judge, seeds, sampleSteps, guidance, keepDir: null);
                var row = new JudgedRow(arm.Name, step, judged.Judgement.AsTrained, judged.Judgement.Paraphrased);
                WriteAtomically(cell, JsonSerializer.Serialize(row));
                log($"{arm.Name} step {step}: as trained {row.AsTrained}; paraphrased {row.Paraphrased}");
                rows.Add(row);
            }
        WriteAtomically(Path.Combine(outDir, "comparison.json"), JsonSerializer.Serialize(rows, new JsonSerializerOptions
        {
            WriteIndented = true,
        }));
        WriteAtomically(Path.Combine(outDir, "comparison.md"), Table(rows, arms, seeds, sampleSteps, guidance));
        Plot(rows, arms, Path.Combine(outDir, "comparison.png"));
        return rows;
    }

    public static string Table(IReadOnlyList<JudgedRow> rows, IReadOnlyList<ComparisonArm> arms, int seeds, int sampleSteps,
        double guidance)
    {
        var ci = CultureInfo.InvariantCulture;
        static string Cell(ConceptAccuracy a, bool top5)
        {
            var (rate, (low, high)) = top5 ? (a.Top5Rate, a.Top5Interval) : (a.Top1Rate, a.Top1Interval);
            return FormattableString.Invariant($"{rate * 100:0.0} % [{low * 100:0.0}, {high * 100:0.0}]");
        }
        var sb = new StringBuilder();
        sb.AppendLine(ci, $"Judged with {seeds} seeds per prompt, {sampleSteps} DDIM steps, CFG {guidance}; Wilson 95 % intervals.");
        sb.AppendLine();
        sb.AppendLine("| arm | DiT step | labels top-1 | labels top-5 | paraphrases top-1 | paraphrases top-5 |");
        sb.AppendLine("|---|---:|---|---|---|---|");
        foreach (var arm in arms)
            foreach (var r in rows.Where(r => r.Arm == arm.Name).OrderBy(r => r.Step))
                sb.AppendLine(ci, $"| {arm.Name} | {r.Step:N0} | {Cell(r.AsTrained, false)} | {Cell(r.AsTrained, true)} | " +
                    $"{Cell(r.Paraphrased, false)} | {Cell(r.Paraphrased, true)} |");
        sb.AppendLine();
        sb.AppendLine("Arms: " + string.Join("; ", arms.Select(a => $"{a.Name} = {a.Latents}")));
        return sb.ToString();
    }

    private static void Plot(IReadOnlyList<JudgedRow> rows, IReadOnlyList<ComparisonArm> arms, string path)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < arms.Count; i++)
        {
            var mine = rows.Where(r => r.Arm == arms[i].Name).OrderBy(r => r.Step).ToList();
            double[] x = mine.Select(r => (double)r.Step).ToArray();
            var top1 = plot.Add.ScatterLine(x, mine.Select(r => r.AsTrained.Top1Rate * 100).ToArray(), palette.GetColor(i));
            top1.LegendText = $"{arms[i].Name}: labels top-1";
            top1.LineWidth = 2;
            var top5 = plot.Add.ScatterLine(x, mine.Select(r => r.AsTrained.Top5Rate * 100).ToArray(), palette.GetColor(i));
            top5.LegendText = $"{arms[i].Name}: labels top-5";
            top5.LinePattern = ScottPlot.LinePattern.Dashed;
            top5.LineWidth = 2;
        }
        plot.Title("Judged generation accuracy vs. DiT step, by tokenizer");
        plot.XLabel("DiT training step");
        plot.YLabel("% of label prompts (concept judge)");
        plot.ShowLegend();
        string temp = path + ".tmp.png";
        plot.SavePng(temp, 900, 520);
        File.Move(temp, path, overwrite: true);
    }

    private static void WriteAtomically(string path, string text)
    {
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
