using System.CommandLine;
using T2I.Training.Demo;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training demo export RUN [--model DIR]</c>: the chain's last stage on its own — any DiT run or checkpoint
/// (e.g. one arm of <c>compare-latents</c>) becomes a self-contained model folder the web app loads.
/// </summary>
public static class DemoExportCommand
{
    public static Command Build()
    {
        var run = new Argument<string>("run") { Description = "DiT run folder (its latest checkpoint) or one checkpoint folder." };
        var model = new Option<string>("--model")
        {
            Description = "Model folder to write (replaced atomically).",
            DefaultValueFactory = _ => "models/t2i-demo"
        };
        var limit = new Option<double>("--max-mb")
        {
            Description = "Refuse a model larger than this.", DefaultValueFactory = _ =>
            new DemoChainOptions().MaxModelBytes / 1e6
        };
        var command = new Command("export",
            "Export a DiT run's EMA weights with its codec, config and resolution as a model folder.") { run, model, limit };
        command.SetAction(parse =>
        {
            try
            {
                parse.InvocationConfiguration.Output.WriteLine(
                    DemoExport.Write(parse.GetValue(run)!, parse.GetValue(model)!, (long)(parse.GetValue(limit) * 1e6)));
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or InvalidDataException or UnauthorizedAccessException)
            {
                parse.InvocationConfiguration.Error.WriteLine($"export: {e.Message}");
                return LaunchCommand.ExitUsage;
            }
        });
        return command;
    }
}
