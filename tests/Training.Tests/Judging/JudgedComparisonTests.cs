using System.Text.Json;
using T2I.Core.Eval;
using T2I.Training.Dit;
using T2I.Training.Judging;
using T2I.Training.Tests.Loop;

namespace T2I.Training.Tests.Judging;

public class JudgedComparisonTests
{
    private static readonly ComparisonArm[] Arms = [new("aligned", "runs/a"), new("kl-vae", "runs/b")];

    [Fact]
    public void FinishedCellsAreReusedAndTheTableAndPlotAreWritten()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(Path.Combine(tmp.Path, "cells"));
        // Cells a previous run judged: no checkpoint is opened for them (the arms' folders do not even exist).
        foreach (var (arm, top1) in new[] { ("aligned", 10), ("kl-vae", 2) })
            foreach (long step in new long[] { 1000, 2000 })
                File.WriteAllText(Path.Combine(tmp.Path, "cells", $"{arm}-{step}.json"), JsonSerializer.Serialize(
                    new JudgedRow(arm, step, new ConceptAccuracy(80, top1, top1 + 10), new ConceptAccuracy(80, 0, 2))));
        var rows = JudgedComparison.Run(Arms, [1000, 2000], "no-judge", 4, 20, 5, tmp.Path, _ => { });
        Assert.Equal(4, rows.Count);
        string table = File.ReadAllText(Path.Combine(tmp.Path, "comparison.md"));
        Assert.Contains("| aligned | 1,000 | 12.5 % [6.9, 21.5] | 25.0 % [", table);
        Assert.Contains("| kl-vae | 2,000 | 2.5 % [0.7, 8.7] |", table);
        Assert.True(new FileInfo(Path.Combine(tmp.Path, "comparison.png")).Length > 1000);
        Assert.Equal(4, JsonSerializer.Deserialize<JudgedRow[]>(File.ReadAllText(Path.Combine(tmp.Path, "comparison.json")))!.Length);
    }

    [Fact]
    public void AStepWithoutACheckpointIsAClearError()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<DirectoryNotFoundException>(() => JudgedComparison.Run([new ComparisonArm("x", tmp.Path)], [3000],
            "no-judge", 1, 2, 5, Path.Combine(tmp.Path, "out"), _ => { }));
        Assert.Contains("arm x: no checkpoint for step 3000", e.Message);
    }
}
