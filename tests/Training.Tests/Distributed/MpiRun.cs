using System.Diagnostics;
using System.Text;

namespace T2I.Training.Tests.Distributed;

/// <summary>
/// Starts the real `training` executable the way a user does (`training … --nproc N` → mpirun → N ranks on loopback).
/// Needs Open MPI (infra/install-deps.sh installs it; CI runs that first).
/// </summary>
public sealed class MpiRun : IDisposable
{
    private readonly StringBuilder _out = new(), _err = new();

    public MpiRun(params string[] args)
    {
        if (!File.Exists("/usr/bin/mpirun") && !File.Exists("/usr/local/bin/mpirun"))
            throw new InvalidOperationException("mpirun not found: run infra/install-deps.sh (Debian openmpi-bin libopenmpi-dev).");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "training.dll"));
        foreach (string a in args) psi.ArgumentList.Add(a);
        Process = new Process { StartInfo = psi };
        Process.OutputDataReceived += (_, e) => { lock (_out) _out.AppendLine(e.Data); };
        Process.ErrorDataReceived += (_, e) => { lock (_err) _err.AppendLine(e.Data); };
        Process.Start();
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    /// <summary>Waits for the launcher to exit; kills the whole tree and throws past <paramref name="timeout"/>.</summary>
    public (int Code, string Out, string Err) Wait(TimeSpan timeout)
    {
        if (!Process.WaitForExit(timeout))
        {
            Process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`training` under mpirun did not end within {timeout}: {Err}");
        }
        Process.WaitForExit();
        return (Process.ExitCode, Out, Err);
    }

    public string Out { get { lock (_out) return _out.ToString(); } }
    public string Err { get { lock (_err) return _err.ToString(); } }

    /// <summary>Process ids of the ranks mpirun started for <paramref name="runDir"/>, by rank (from /proc).</summary>
    public static Dictionary<int, int> Ranks(string runDir)
    {
        var ranks = new Dictionary<int, int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                if (!File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(runDir, StringComparison.Ordinal)) continue;
                string? rank = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0')
                    .FirstOrDefault(v => v.StartsWith("OMPI_COMM_WORLD_RANK=", StringComparison.Ordinal));
                if (rank is not null) ranks[int.Parse(rank.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture)] = pid;
            }
            catch (IOException) { }            // the process ended while we looked
            catch (UnauthorizedAccessException) { }
        }
        return ranks;
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }
}
