using System.Diagnostics;

namespace T2I.Core.Distributed;

/// <summary>
/// Starts N ranks of this same program on this machine through Open MPI's <c>mpirun</c> (what
/// <c>training launch --nproc N</c> does): loopback only, no core binding (the ranks share the machine with other work),
/// root allowed where the process is root (containers). mpirun ends every rank when one dies.
/// </summary>
public sealed record LocalMpirun(int Ranks)
{
    public const string Program = "mpirun";

    /// <summary>The mpirun command line that runs <paramref name="command"/> (program first) as <see cref="Ranks"/> ranks.</summary>
    public IReadOnlyList<string> Arguments(IReadOnlyList<string> command)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Ranks, 1);
        var args = new List<string> { "-np", Ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "--oversubscribe",
            "--bind-to", "none", "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo" };
        if (Environment.UserName == "root") args.Add("--allow-run-as-root");
        args.AddRange(command);
        return args;
    }

    /// <summary>This process's own command line (<c>dotnet exec training.dll</c> or the apphost), to run again as ranks.</summary>
    public static List<string> CurrentProgram()
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("Unknown process path.");
        string entry = Environment.GetCommandLineArgs()[0];
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, "exec", entry] : [process];
    }

    /// <summary>Runs the ranks with their output on this console; returns mpirun's exit code.</summary>
    public int Run(IReadOnlyList<string> command, CancellationToken cancel = default)
    {
        var psi = new ProcessStartInfo(Program) { UseShellExecute = false };
        foreach (string a in Arguments(command)) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("mpirun did not start.");
        // Ctrl+C / SIGTERM reach mpirun from the terminal or here; it forwards them to every rank (they checkpoint and exit).
        using var forward = cancel.Register(() => Process.Start("kill", ["-TERM", process.Id.ToString()])?.Dispose());
        process.WaitForExit();
        return process.ExitCode;
    }
}
