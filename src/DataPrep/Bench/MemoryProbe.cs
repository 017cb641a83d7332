using System.Diagnostics;
using System.Text.RegularExpressions;

namespace T2I.DataPrep.Bench;

/// <summary>Runs <c>dataprep synth</c> + <c>dataprep ingest</c> as child processes and reads the ingest's peak working set.</summary>
internal static partial class MemoryProbe
{
    public static async Task<(double PeakMb, double Seconds)> IngestPeakAsync(string dir, int shards, CancellationToken ct)
    {
        string input = Path.Combine(dir, $"mem-in-{shards}"), output = Path.Combine(dir, $"mem-out-{shards}");
        await RunAsync(ct, "synth", "--output", input, "--count", (shards * 40).ToString(), "--shards", shards.ToString(), "--seed", "7");
        var sw = Stopwatch.StartNew();
        string text = await RunAsync(ct, "ingest", "--input", input, "--output", output, "--resolution", "256");
        var m = PeakLine().Match(text);
        if (!m.Success) throw new InvalidOperationException("ingest did not report its peak working set:\n" + text);
        return (double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), sw.Elapsed.TotalSeconds);
    }

    private static async Task<string> RunAsync(CancellationToken ct, params string[] args)
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

    [GeneratedRegex(@"peak working set ([0-9.]+) MB")]
    private static partial Regex PeakLine();
}
