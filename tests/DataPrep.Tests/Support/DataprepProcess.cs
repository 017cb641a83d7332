using System.Diagnostics;

namespace T2I.DataPrep.Tests.Support;

/// <summary>Starts the real <c>dataprep</c> executable (built beside the tests) as a separate process.</summary>
internal static class DataprepProcess
{
    public static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dataprep.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        // Drain the pipes so a chatty child never blocks on a full buffer.
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    public static async Task<int> RunAsync(TimeSpan timeout, params string[] args)
    {
        using var p = Start(args);
        using var cts = new CancellationTokenSource(timeout);
        await p.WaitForExitAsync(cts.Token);
        return p.ExitCode;
    }
}
