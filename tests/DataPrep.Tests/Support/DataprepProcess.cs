using System.Diagnostics;
using System.Text;

namespace T2I.DataPrep.Tests.Support;

/// <summary>Starts the real <c>dataprep</c> executable (built beside the tests) as a separate process.</summary>
internal static class DataprepProcess
{
    public static Process Start(params string[] args) => Start(null, null, null, args);

    private static Process Start(IReadOnlyDictionary<string, string>? env, StringBuilder? stdout, StringBuilder? stderr, string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dataprep.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        // Drain the pipes so a chatty child never blocks on a full buffer.
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (p) stdout?.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (p) stderr?.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    public static async Task<int> RunAsync(TimeSpan timeout, params string[] args) => (await RunAsync(timeout, null, args)).Code;

    /// <summary>Runs to the end with extra environment variables; returns the exit code and both outputs.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        StringBuilder stdout = new(), stderr = new();
        using var p = Start(env, stdout, stderr, args);
        using var cts = new CancellationTokenSource(timeout);
        await p.WaitForExitAsync(cts.Token);
        p.WaitForExit(); // flushes the asynchronous output readers
        lock (p) return (p.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
