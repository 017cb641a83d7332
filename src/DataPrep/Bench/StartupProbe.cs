using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace T2I.DataPrep.Bench;

/// <summary>
/// What ingestion's bookkeeping costs as committed shards pile up: N one-image shards are ingested (wall time, peak
/// RSS, bytes of ingestion's own records per shard), then the same command runs again over the finished output — the
/// start-up every restart and every Hangfire unit pays — and <c>dataprep stats</c> reads the summary back. Each in a
/// child process that reports its own peak working set.
/// </summary>
internal static partial class StartupProbe
{
    public sealed record Result(int Shards, double IngestSeconds, double IngestPeakMb, double StateBytesPerShard,
        double RestartSeconds, double RestartPeakMb, double StatsSeconds);

    public static async Task<IReadOnlyList<Result>> RunAsync(string dir, IReadOnlyList<int> shardCounts, CancellationToken ct)
    {
        var results = new List<Result>();
        foreach (int n in shardCounts)
        {
            string input = Path.Combine(dir, $"startup-in-{n}"), output = Path.Combine(dir, $"startup-out-{n}");
            Console.WriteLine($"bench: {n} one-image shards …");
            await MemoryProbe.RunAsync(ct, "synth", "--output", input, "--count", n.ToString(), "--shards", n.ToString(), "--seed", "3",
                "--defect-share", "0");
            var (ingest, ingestPeak) = await Timed(ct, "ingest", "--input", input, "--output", output, "--resolution", "64");
            long stateBytes = MemoryProbe.StateBytes(output);
            var (restart, restartPeak) = await Timed(ct, "ingest", "--input", input, "--output", output, "--resolution", "64");
            var clock = Stopwatch.StartNew();
            await MemoryProbe.RunAsync(ct, "stats", "--input", output, "--chart", Path.Combine(dir, "stats")); // charts not in the cwd
            results.Add(new Result(n, ingest, ingestPeak, stateBytes / (double)n, restart, restartPeak, clock.Elapsed.TotalSeconds));
            Directory.Delete(input, true);
            Directory.Delete(output, true);
        }
        return results;
    }

    public static void Print(IReadOnlyList<Result> results)
    {
        Console.WriteLine("committed shards (one image each; `ingest --resolution 64`, then the same command again; " +
            $"{T2I.Core.TorchRuntime.BuildNote}):");
        Console.WriteLine("| shards | ingest s | peak RSS MB | state bytes per shard | restart s (all committed) | restart peak MB " +
            "| stats s |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
            Console.WriteLine($"| {r.Shards} | {r.IngestSeconds:0.0} | {r.IngestPeakMb:0} | {r.StateBytesPerShard:0} | " +
                $"{r.RestartSeconds:0.00} | {r.RestartPeakMb:0} | {r.StatsSeconds:0.00} |");
    }

    private static async Task<(double Seconds, double PeakMb)> Timed(CancellationToken ct, params string[] args)
    {
        var clock = Stopwatch.StartNew();
        string text = await MemoryProbe.RunAsync(ct, args);
        var m = PeakLine().Match(text);
        if (!m.Success) throw new InvalidOperationException($"dataprep {args[0]} did not report its peak working set:\n{text}");
        return (clock.Elapsed.TotalSeconds, double.Parse(m.Groups["peak"].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"peak working set (?<peak>[0-9.]+) MB")]
    private static partial Regex PeakLine();
}
