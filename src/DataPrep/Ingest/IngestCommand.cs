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
        var cmd = new Command("ingest",
            "Filter shards (counted by reason), resize into aspect buckets, write Parquet. Reruns ingest only new shards; a " +
            "killed run resumes exactly.")
        {
            input, output, resolution, config, workers,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            try
            {
                var filters = FilterConfig.Load(parse.GetValue(config));
                var outStore = BlobStores.Open(parse.GetValue(output)!);
                var (lease, holder) = await IngestLease.TryAcquireAsync(outStore, IngestionJob.LeaseTtl,
                    TimeSpan.FromMilliseconds(200), ct);
                if (lease is null)
                {
                    await Console.Error.WriteLineAsync($"ingest: {outStore.Location} is locked by another ingestion " +
                        $"({holder?.Host} pid {holder?.Pid}, until {holder?.ExpiresUtc:u}).");
                    return 3;
                }
                await using (lease)
                {
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
                    var runner = new IngestRunner(BlobStores.Open(parse.GetValue(input)!), outStore, parse.GetValue(resolution)!, filters)
                    {
                        Workers = Math.Max(1, parse.GetValue(workers)),
                    };
                    var summary = await ConsoleProgress.RunAsync("ingest", p => runner.RunAsync(p, linked.Token));
                    Console.WriteLine($"ingest: {summary.ShardsIngested} new shards ({summary.ShardsAlreadyDone} already done), " +
                                      $"{summary.Samples} samples, {summary.Kept} kept → {outStore.Location}; " +
                                      $"peak working set " +
                                          $"{System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MB " +
                                      $"(dedup index: {summary.DedupEntries} hashes ≈ " +
                                          $"{summary.DedupEntries * DedupIndex.BytesPerImage / 1048576.0:0.0} MB)");
                    return 0;
                }
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
