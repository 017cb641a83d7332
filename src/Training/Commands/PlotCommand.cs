using System.CommandLine;
using T2I.Training.Loop;

namespace T2I.Training.Commands;

/// <summary><c>training plot RUN</c>: render the run's metrics.jsonl into PNGs (one per metric group).</summary>
public static class PlotCommand
{
    public static Command Build()
    {
        var run = new Argument<string>("run") { Description = "Run folder (holding metrics.jsonl) or a metrics .jsonl file." };
        var smoothing = new Option<double>("--smoothing")
        {
            Description = "Exponential smoothing in [0, 1).",
            DefaultValueFactory = _ => 0.6
        };
        var outDir = new Option<string?>("--out") { Description = "Output folder (default: RUN/plots)." };
        var command = new Command("plot", "Plot a run's metrics as PNG files.") { run, smoothing, outDir };
        command.SetAction(parse =>
        {
            string path = parse.GetRequiredValue(run);
            string metrics = File.Exists(path) ? path : Path.Combine(path, TrainingLoop.MetricsFile);
            if (!File.Exists(metrics))
            {
                parse.InvocationConfiguration.Error.WriteLine($"No metrics at '{metrics}'.");
                return 1;
            }
            string dir = parse.GetValue(outDir) ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(metrics))!, TrainingLoop.PlotsDir);
            double s = parse.GetValue(smoothing);
            if (s is < 0 or >= 1)
            {
                parse.InvocationConfiguration.Error.WriteLine("--smoothing must be in [0, 1).");
                return LaunchCommand.ExitUsage;
            }
            foreach (string png in MetricsPlot.Render(metrics, dir, s)) parse.InvocationConfiguration.Output.WriteLine(png);
            return 0;
        });
        return command;
    }
}
