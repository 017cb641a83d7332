using T2I.Core.Ingest;
using System.CommandLine;

namespace T2I.DataPrep;

public static class Program
{
    public static Task<int> Main(string[] args)
    {
        GlibcHeap.KeepLargeBlocksMapped();
        return BuildRoot().Parse(args).InvokeAsync();
    }

    /// <summary>The `dataprep` command tree; each subcommand lives in Commands/.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("T2I data preparation: LAION shards → filtered, aspect-bucketed Parquet shards.")
        {
            Synth.SynthCommand.Build(),
            Ingest.IngestCommand.Build(),
            Stats.StatsCommand.Build(),
            Bench.BenchCommand.Build(),
        };
        return root;
    }
}
