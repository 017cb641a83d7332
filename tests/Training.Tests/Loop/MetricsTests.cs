using T2I.Training.Loop;
using T2I.Core.Metrics;

namespace T2I.Training.Tests.Loop;

public class MetricsTests
{
    private static Dictionary<string, double> Loss(double v) => new() { ["loss"] = v };

    [Fact]
    public void LinesAreFlushedPerWriteAndReadBack()
    {
        using var tmp = new TempDir();
        string path = tmp.Sub("m.jsonl");
        using var log = MetricsLog.Open(path, resumeStep: 0);
        log.Write(1, new Dictionary<string, double> { ["loss"] = 0.5, ["loss/l1"] = 0.25, ["bad"] = double.NaN }, elapsedSeconds: 1.5);
        // Not disposed yet: the line must already be on disk (a kill -9 right now keeps it).
        var records = MetricsLog.Read(path);
        var r = Assert.Single(records);
        Assert.Equal(1, r.Step);
        Assert.Equal(0.25, r.Values["loss/l1"]);
        Assert.True(double.IsNaN(r.Values["bad"]));
        Assert.Equal(1.5, r.ElapsedSeconds);
        Assert.Throws<ArgumentException>(() => log.Write(2, new Dictionary<string, double> { ["step"] = 1 }));
    }

    [Fact]
    public void ResumeDropsLinesBeyondTheStepAndATornLine()
    {
        using var tmp = new TempDir();
        string path = tmp.Sub("m.jsonl");
        using (var log = MetricsLog.Open(path))
            for (int s = 1; s <= 8; s++) log.Write(s, Loss(s));
        File.AppendAllText(path, "{\"step\":9,\"loss\":");   // a writer killed mid-line

        using (var log = MetricsLog.Open(path, resumeStep: 5))
            for (int s = 6; s <= 7; s++) log.Write(s, Loss(100 + s));

        var steps = MetricsLog.Read(path).Select(r => (r.Step, r.Values["loss"])).ToList();
        Assert.Equal([(1L, 1.0), (2, 2), (3, 3), (4, 4), (5, 5), (6, 106), (7, 107)], steps);
    }

    [Fact]
    public void FreshRunStartsAnEmptyLog()
    {
        using var tmp = new TempDir();
        string path = tmp.Sub("m.jsonl");
        using (var log = MetricsLog.Open(path)) log.Write(3, Loss(1));
        using (MetricsLog.Open(path, resumeStep: 0)) { }
        Assert.Empty(MetricsLog.Read(path));
    }

    [Fact]
    public void PlotWritesOnePngPerGroup()
    {
        using var tmp = new TempDir();
        string path = tmp.Sub("m.jsonl");
        using (var log = MetricsLog.Open(path))
            for (int s = 1; s <= 30; s++)
                log.Write(s, new Dictionary<string, double> { ["loss/l1"] = 1.0 / s, ["loss/gan"] = 0.5, ["lr"] = 1e-3 * s });
        var pngs = MetricsPlot.Render(path, tmp.Sub("plots"), smoothing: 0.5);
        Assert.Equal(["loss.png", "lr.png"], pngs.Select(Path.GetFileName).Order());
        foreach (string png in pngs)
        {
            var bytes = File.ReadAllBytes(png);
            Assert.True(bytes.Length > 1000);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
        Assert.Empty(Directory.GetFiles(tmp.Sub("plots"), "*.tmp.png"));
    }

    [Fact]
    public void SmoothingIsADebiasedMovingAverage()
    {
        var s = MetricsPlot.Smooth([2, 2, 2, 10], 0.5);
        Assert.Equal(2, s[0], 12);   // debiased: no pull towards zero at the start
        Assert.Equal(2, s[2], 12);
        // avg4 = 0.5·(avg3) + 0.5·10 with avg3 = 2·(1−0.5³); weight4 = 1−0.5⁴
        Assert.Equal((0.5 * 2 * (1 - 0.125) + 5) / (1 - 0.0625), s[3], 12);
        Assert.Equal("loss", MetricsPlot.GroupOf("loss/l1"));
        Assert.Equal("lr", MetricsPlot.GroupOf("lr"));
        Assert.True(MetricsPlot.UseLogScale([20, 3, 0.1]));
        var (x, y) = MetricsPlot.Decimate([1, 2, 3, 4, 5], [10, 20, 30, 40, 50], max: 2);
        Assert.Equal([2.0, 4.5], x);   // chunks of 3: (1,2,3) and (4,5)
        Assert.Equal([20.0, 45], y);
        Assert.False(MetricsPlot.UseLogScale([20, 3, 0.5]));
        Assert.False(MetricsPlot.UseLogScale([20, -3, 0.01]));
    }
}
