using System.Diagnostics;

namespace T2I.Web.Tests.Support;

/// <summary>Runs the repository's <c>infra/</c> scripts that start real services for tests.</summary>
public static class InfraScripts
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Run(string script, params string[] args) => Run(script, args, null);

    /// <param name="env">Extra environment variables for the script and what it starts.</param>
    public static string Run(string script, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoRoot };
        psi.ArgumentList.Add(Path.Combine(RepoRoot, "infra", script));
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (key, value) in env ?? new Dictionary<string, string>()) psi.Environment[key] = value;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(180_000)) { p.Kill(true); throw new TimeoutException($"{script} did not finish in 180 s"); }
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

    /// <summary>A new, empty database on this server, so tests sharing the server never see each other's jobs.</summary>
    public string CreateDatabase()
    {
        string name = "t2i_" + Guid.NewGuid().ToString("N")[..12];
        using (var connection = new Npgsql.NpgsqlConnection(ConnectionString))
        {
            connection.Open();
            using var command = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", connection);
            command.ExecuteNonQuery();
        }
        return new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    public void Dispose() => InfraScripts.Run("postgres/stop.sh", _data);
}

/// <summary>A real s3rver from <c>infra/start-s3.sh</c> with bucket <see cref="Bucket"/>, stopped on dispose.</summary>
public sealed class S3Server : IDisposable
{
    public const string Bucket = "t2i";
    public const string AccessKey = "S3RVER", SecretKey = "S3RVER";

    public string Endpoint { get; }
    public T2I.Core.Storage.S3StoreOptions Options => new() { ServiceUrl = Endpoint, AccessKey = AccessKey, SecretKey = SecretKey };
    private readonly string _pidFile;

    public S3Server()
    {
        var lines = InfraScripts.Run("start-s3.sh", "--bucket", Bucket, "--watch-pid", Environment.ProcessId.ToString())
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Endpoint = lines.Single(l => l.StartsWith("S3_ENDPOINT=")).Substring("S3_ENDPOINT=".Length);
        _pidFile = lines.Single(l => l.StartsWith("S3_PID_FILE=")).Substring("S3_PID_FILE=".Length);
    }

    public void Dispose() => InfraScripts.Run("stop-s3.sh", _pidFile);
}
