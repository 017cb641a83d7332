using T2I.Core.Storage;
using T2I.Core.Ingest;
using System.CommandLine;
using Spectre.Console;
using T2I.Cli;

namespace T2I.DataPrep.Ingest;

/// <summary><c>dataprep ingest</c>: LAION/img2dataset shards → filtered, aspect-bucketed Parquet + manifest.</summary>
public static class IngestCommand
{
    public static Command Build()
    {
        var input = new Option<string>("--input")
        {
            Description = "Folder or s3://bucket/prefix holding NNNNN.tar (+ " +
            "NNNNN.parquet) shards.", Required = true
        };
        var output = new Option<string>("--output")
        {
            Description = "Folder or s3://bucket/prefix for res{R}/{W}x{H}/*.parquet " +
            "and manifest.json.", Required = true
        };
        var resolution = new Option<int[]>("--resolution")
        {
            Description = "Base resolution(s), e.g. --resolution 256 " +
            "--resolution 512.", Required = true, AllowMultipleArgumentsPerToken = true
        };
        var config = new Option<string?>("--config") { Description = "Filter config JSON (see FilterConfig for keys and defaults)." };
        var workers = new Option<int>("--workers")
        {
            Description = "Decode/resize threads (default: all cores).",
            DefaultValueFactory = _ => Environment.ProcessorCount
        };
        var shardIndex = new Option<int>("--shard-index")
        {
            Description = "This run's share: every --shard-count-th input shard " +
            "and hash partition from this index (0-based; a Kubernetes indexed Job passes JOB_COMPLETION_INDEX)."
        };
        var shardCount = new Option<int>("--shard-count")
        {
            Description = "How many runs share the work (with --phase; the union of all indexes equals one run).",
            DefaultValueFactory = _ => 1
        };
        var phase = new Option<IngestPhase>("--phase")
        {
            Description = "all (default), or one of screen, dedup, write: a partitioned run does each phase with every " +
            "index before the next phase.", DefaultValueFactory = _ => IngestPhase.All
        };
        var source = new Option<string?>("--source")
        {
            Description = "Name prefix of this input's output files (default: its " +
            "folder name and a hash of its location, so outputs of different inputs merge)."
        };
        var partitions = new Option<int>("--dedup-partitions")
        {
            Description = "Hash partitions of global dedup (memory per partition ≈ 44 bytes × images / partitions; fixed per output).",
            DefaultValueFactory = _ => new IngestOptions().DedupPartitions
        };
        var cmd = new Command("ingest",
            "Filter shards (counted by reason), dedup globally, resize into aspect buckets, write Parquet and one commit per shard. " +
            "Reruns ingest only new shards; a killed run resumes exactly; several runs may share the work.")
        {
            input, output, resolution, config, workers, shardIndex, shardCount, phase, source, partitions,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            try
            {
                var filters = FilterConfig.Load(parse.GetValue(config));
                var outStore = BlobStores.Open(parse.GetValue(output)!);
                var runner = new IngestRunner(BlobStores.Open(parse.GetValue(input)!), outStore, parse.GetValue(resolution)!, filters)
                {
                    Workers = Math.Max(1, parse.GetValue(workers)),
                    Options = new IngestOptions
                    {
                        ShardIndex = parse.GetValue(shardIndex), ShardCount = parse.GetValue(shardCount), Phase = parse.GetValue(phase),
                        Source = parse.GetValue(source), DedupPartitions = parse.GetValue(partitions),
                    },
                };
                var summary = await ConsoleProgress.RunAsync("ingest", p => runner.RunAsync(p, ct));
                Console.WriteLine($"ingest: {summary.ShardsIngested} new shards ({summary.ShardsAlreadyDone} already done), " +
                                  $"{summary.Samples} samples, {summary.Kept} kept → {outStore.Location}; " +
                                  $"peak working set " +
                                      $"{System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MB " +
                                  $"(dedup index: {summary.DedupEntries} hashes ≈ " +
                                      $"{summary.DedupEntries * PartitionDeduper.BytesPerImage / 1048576.0:0.0} MB " +
                                      "in the largest partition)");
                return 0;
            }
            catch (ConfigException e) { return Fail(e.Message, 2); }
            catch (InputUnavailableException e) { return Fail(e.Message, 3); }
            catch (StoreUnavailableException e)
            {
                return Fail(e.Message
                + " (shards committed before this stay committed; rerun to resume)", 3);
            }
            catch (InvalidDataException e) { return Fail(e.Message, 4); }
            catch (ArgumentException e) { return Fail(e.Message, 2); }
        });
        return cmd;
    }

    private static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"ingest: {message}");
        return code;
    }
}
