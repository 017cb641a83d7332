using System.CommandLine;
using T2I.Cli;
using T2I.Training.Commands;
using T2I.Core.TorchSharpFixes;

namespace T2I.Training;

public static class Program
{
    // The launch command handles SIGINT/SIGTERM itself (checkpoint, then exit), so System.CommandLine must not
    // kill the process after its default grace period.
    public static Task<int> Main(string[] args)
    {
        // Every command here runs its tensors on one compute thread, the condition for OneDnnConv2d's process-wide
        // oneDNN toggle (training, eval, bench, gen-accuracy, demo…); the multi-threaded web host never sets it.
        OneDnnConv2d.Enabled = true;
        return Run(args, new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>; exceptions reach <see cref="CliGuard"/> (one line for a missing input,
    /// the stack trace for a bug) instead of System.CommandLine's handler, which prints every one with its trace.
    /// </summary>
    public static Task<int> Run(string[] args, InvocationConfiguration config)
    {
        config.EnableDefaultExceptionHandler = false;
        return CliGuard.RunAsync(() => BuildRoot().Parse(args).InvokeAsync(config), config.Error);
    }

    /// <summary>The `training` command tree; each subcommand lives in Commands/.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("T2I training: the three aligned-tokenizer stages, then the text-to-image DiT.")
        {
            LaunchCommand.Build(),
            PresetsCommand.Build(),
            PlotCommand.Build(),
            BenchCommand.Build(),
            ConvBenchCommand.Build(),
            EvalCommand.Build(),
            SampleBenchCommand.Build(),
            DemoCommand.Build(),
            CompareLatentsCommand.Build(),
            CompareJudgedCommand.Build(),
            ScalarRaceCommand.Build(),
            GenerationAccuracyCommand.Build(),
            CodecCeilingCommand.Build(),
            EncodeLatentsCommand.Build(),
            TrainJudgeCommand.Build(),
            TrainConceptJudgeCommand.Build(),
            ScoreCommand.Build(),
            BackendCheckCommand.Build(),
            CollectiveBenchCommand.Build(),
        };
        return root;
    }
}
