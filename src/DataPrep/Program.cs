using T2I.Core.Ingest;
using System.CommandLine;
using T2I.Cli;

namespace T2I.DataPrep;

public static class Program
{
    public static Task<int> Main(string[] args)
    {
        GlibcHeap.KeepLargeBlocksMapped();
        // Exceptions reach CliGuard (one line for a missing input, the stack trace for a bug), not System.CommandLine's handler.
        var config = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        return CliGuard.RunAsync(() => BuildRoot().Parse(args).InvokeAsync(config), config.Error);
    }

    /// <summary>The `dataprep` command tree; each subcommand lives in Commands/.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("T2I data preparation: LAION shards → filtered, aspect-bucketed Parquet shards.")
        {
            Synth.SynthCommand.Build(),
            Emoji.EmojiCommand.Build(),
            Ingest.IngestCommand.Build(),
            Stats.StatsCommand.Build(),
            Bench.BenchCommand.Build(),
        };
        return root;
    }
}
