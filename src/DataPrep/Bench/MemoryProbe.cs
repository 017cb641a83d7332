using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace T2I.DataPrep.Bench;

/// <summary>
/// Peak memory of <c>dataprep ingest</c> against the number of input shards: one synthetic set of the largest
/// size is drawn once, each run ingests its first K shards into a fresh output in a child process, and the
/// child reports its own peak working set (Linux: VmHWM, the peak resident set).
/// </summary>
internal static partial class MemoryProbe
{
    public const int SamplesPerShard = 40;

    public sealed record Result(int Shards, long Samples, double PeakMb, long DedupEntries, long StateBytes, double Seconds);

    public static async Task<IReadOnlyList<Result>> RunAsync(string dir, IReadOnlyList<int> shardCounts, CancellationToken ct)
    {
        int max = shardCounts.Max();
        string all = Path.Combine(dir, "mem-in");
        Console.WriteLine($"bench: drawing {max} synthetic shards × {SamplesPerShard} samples for the memory test …");
        await RunAsync(ct, "synth", "--output", all, "--count", (max * SamplesPerShard).ToString(), "--shards", max.ToString(),
            "--seed", "7");
        var results = new List<Result>();
        foreach (int k in shardCounts)
        {
            string input = Path.Combine(dir, $"mem-in-{k}"), output = Path.Combine(dir, $"mem-out-{k}");
            Directory.CreateDirectory(input);
            foreach (var f in Directory.GetFiles(all).Where(f => int.TryParse(Path.GetFileName(f)[..5], out int s) && s < k))
                File.CreateSymbolicLink(Path.Combine(input, Path.GetFileName(f)), f);
            var sw = Stopwatch.StartNew();
            string text = await RunAsync(ct, "ingest", "--input", input, "--output", output, "--resolution", "256");
            var m = SummaryLine().Match(text);
            if (!m.Success) throw new InvalidOperationException("ingest did not report its summary:\n" + text);
            results.Add(new Result(k, long.Parse(m.Groups["samples"].Value), double.Parse(m.Groups["peak"].Value,
                CultureInfo.InvariantCulture),
                long.Parse(m.Groups["hashes"].Value), StateBytes(output), sw.Elapsed.TotalSeconds));
            Directory.Delete(output, true);
        }
        return results;
    }

    /// <summary>Bytes of ingestion's own records (manifest, screens, drop lists, commits): what bookkeeping costs.</summary>
    internal static long StateBytes(string output) => Directory.GetFiles(output, "*", SearchOption.AllDirectories)
        .Where(f => Path.GetRelativePath(output, f) is var rel && (rel.StartsWith('_') || rel == "manifest.json"))
        .Sum(f => new FileInfo(f).Length);

    /// <summary>Runs this program as a child process; its stdout, or an exception with its stderr.</summary>
    internal static async Task<string> RunAsync(CancellationToken ct, params string[] args)
    {
        // Re-run this very program: the apphost directly, or 'dotnet dataprep.dll'.
        string self = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(MemoryProbe).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0) throw new InvalidOperationException($"dataprep {args[0]} failed ({p.ExitCode}): {await stderr}");
        return await stdout;
    }

    [GeneratedRegex(@"(?<samples>\d+) samples, .*peak working set (?<peak>[0-9.]+) MB \(dedup index: (?<hashes>\d+) hashes")]
    private static partial Regex SummaryLine();
}
