using System.Diagnostics;

namespace T2I.Web.Tests.Support;

/// <summary>Runs the repository's <c>infra/</c> scripts that start real services for tests.</summary>
public static class InfraScripts
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Run(string script, params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoRoot };
        psi.ArgumentList.Add(Path.Combine(RepoRoot, "infra", script));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"{script} did not finish in 120 s"); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{script} failed ({p.ExitCode}): {stderr.Result}");
        return stdout.Result;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "T2I.sln"))) return dir.FullName;
        throw new InvalidOperationException("Repository root (T2I.sln) not found above the test binaries.");
    }
}

/// <summary>A real PostgreSQL cluster from <c>infra/start-postgres.sh</c>, stopped and deleted on dispose.</summary>
public sealed class PostgresServer : IDisposable
{
    public string ConnectionString { get; }
    private readonly string _data;

    public PostgresServer()
    {
        var lines = InfraScripts.Run("start-postgres.sh").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        _data = lines.Single(l => l.StartsWith("PGDATA=")).Substring("PGDATA=".Length);
        ConnectionString = lines.Single(l => l.StartsWith("CONNECTION=")).Substring("CONNECTION=".Length);
    }

    public void Dispose() => InfraScripts.Run("postgres/stop.sh", _data);
}
