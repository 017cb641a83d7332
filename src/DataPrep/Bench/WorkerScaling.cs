using System.Diagnostics;
using System.Globalization;

namespace T2I.DataPrep.Bench;

/// <summary>
/// Ingestion spread over K worker processes, as a shell loop or an indexed Job spreads it: for each phase, K
/// <c>dataprep ingest --shard-index i --shard-count K --phase P --workers 1</c> children at once, then the next
/// phase. Reports wall images/s (what more machines buy) and images per CPU-second of the children (what the
/// split costs: on this 2-core shared machine wall time measures the neighbours too).
/// </summary>
internal static class WorkerScaling
{
    public sealed record Result(int Processes, long Images, double WallSeconds, double CpuSeconds);

    public static async Task<IReadOnlyList<Result>> RunAsync(string dir, int shards, int perShard, IReadOnlyList<int> processes,
        CancellationToken ct)
    {
        string input = Path.Combine(dir, "scale-in");
        await MemoryProbe.RunAsync(ct, "synth", "--output", input, "--count", (shards * perShard).ToString(CultureInfo.InvariantCulture),
            "--shards", shards.ToString(CultureInfo.InvariantCulture), "--seed", "17");
        var results = new List<Result>();
        foreach (int k in processes)
        {
            string output = Path.Combine(dir, $"scale-out-{k}");
            var cpu = CpuClock.Children();
            var wall = Stopwatch.StartNew();
            foreach (var phase in new[] { "screen", "dedup", "write" })
                await Task.WhenAll(Enumerable.Range(0, k).Select(i => MemoryProbe.RunAsync(ct, "ingest", "--input", input,
                    "--output", output, "--resolution", "256", "--workers", "1", "--shard-index", i.ToString(CultureInfo.InvariantCulture),
                    "--shard-count", k.ToString(CultureInfo.InvariantCulture), "--phase", phase)));
            results.Add(new Result(k, (long)shards * perShard, wall.Elapsed.TotalSeconds, (CpuClock.Children() - cpu).TotalSeconds));
            Directory.Delete(output, true);
        }
        return results;
    }

    public static void Print(IReadOnlyList<Result> results, int perShard)
    {
        Console.WriteLine($"ingest over worker processes (screen, dedup, write; {perShard} synthetic samples per shard, 1 thread each):");
        Console.WriteLine("| processes | images | wall s | images/s | CPU-s | images per CPU-s |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
            Console.WriteLine($"| {r.Processes} | {r.Images} | {r.WallSeconds:0.0} | {r.Images / r.WallSeconds:0.0} | " +
                $"{r.CpuSeconds:0.0} | {r.Images / Math.Max(1e-9, r.CpuSeconds):0.0} |");
    }
}
