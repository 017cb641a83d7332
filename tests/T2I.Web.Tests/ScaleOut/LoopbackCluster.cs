using System.Diagnostics;
using System.Text.Json;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using T2I.Core.Storage;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.ScaleOut;

/// <summary>One built T2I.Web process started by <c>infra/start-t2i.sh</c>.</summary>
public sealed record T2IProcess(string Role, int Pid, Uri Url, string Log)
{
    /// <summary>Alive: in /proc and not a zombie (the app was started by a script that exited, so it is not our child).</summary>
    public bool Running
    {
        get
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{Pid}/stat");
                return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z') is false;
            }
            catch (IOException) { return false; }
        }
    }
}

/// <summary>
/// Several real T2I.Web processes (the built binary, one role each) on one real PostgreSQL database and one
/// s3rver prefix, all on loopback: the deployment of infra/DEPLOY.md, shrunk onto this machine. The test
/// process itself talks to the same PostgreSQL (Hangfire's monitoring API, enqueueing maintenance jobs) and
/// the same S3 (checking what was written).
/// </summary>
public sealed class LoopbackCluster : IAsyncDisposable
{
    private readonly List<T2IProcess> _processes = [];
    private readonly Dictionary<string, string> _env;
    private readonly S3Server _s3;

    public string Prefix { get; }
    public JobStorage Storage { get; }
    public IReadOnlyList<T2IProcess> Processes => _processes;

    /// <param name="settings">Extra app settings for every process, as <c>Key=Value</c> (ASP.NET keys, ':' separated).</param>
    public LoopbackCluster(string hangfireConnection, S3Server s3, string prefix, params string[] settings)
    {
        _s3 = s3;
        Prefix = prefix;
        _env = new Dictionary<string, string>
        {
            ["ConnectionStrings__Hangfire"] = hangfireConnection,
            ["T2I__Images"] = Location("images"),
            ["T2I__DataProtection__Keys"] = Location("keys"),
            ["T2I__Ingestion__Input"] = Location("raw"),
            ["T2I__Ingestion__Output"] = Location("buckets"),
            ["T2I__Ingestion__Resolutions"] = "256",
            ["T2I__Device"] = "cpu",
            ["T2I__Threads"] = "1",
            ["T2I__RateLimit__Burst"] = "100000",
            ["T2I_S3_ENDPOINT"] = s3.Endpoint,
            ["T2I_S3_ACCESS_KEY"] = S3Server.AccessKey,
            ["T2I_S3_SECRET_KEY"] = S3Server.SecretKey,
            ["OMP_NUM_THREADS"] = "1",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__T2I"] = "Information", // our own jobs' start/finish lines make a failed run readable
        };
        foreach (var s in settings)
        {
            int eq = s.IndexOf('=');
            _env[s[..eq].Replace(":", "__")] = s[(eq + 1)..];
        }
        var options = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true };
        Storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(hangfireConnection, options), options);
    }

    /// <summary>The built app next to this test assembly's configuration (Debug or Release).</summary>
    public static string AppDll
    {
        get
        {
            string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/<configuration>/net10.0/
            return Path.Combine(InfraScripts.RepoRoot, "src", "T2I.Web", "bin", configuration, "net10.0", "T2I.Web.dll");
        }
    }

    public string Location(string name) => $"s3://{S3Server.Bucket}/{Prefix}/{name}";

    public IBlobStore Store(string name) => BlobStores.Open(Location(name), _s3.Options);

    /// <summary>Starts processes of the given roles at once and waits until each answers <c>/readyz</c>.</summary>
    public async Task<T2IProcess[]> StartAsync(params string[] roles)
    {
        var started = await Task.WhenAll(roles.Select(role => Task.Run(() =>
        {
            var lines = InfraScripts.Run("start-t2i.sh", ["--role", role, "--dll", AppDll, "--watch-pid", Environment.ProcessId.ToString()], _env)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
            return new T2IProcess(role, int.Parse(lines["T2I_PID"]), new Uri(lines["T2I_URL"]), lines["T2I_LOG"]);
        })));
        lock (_processes) _processes.AddRange(started);
        return started;
    }

    /// <summary><c>kill -9</c>: the process dies at once, mid-job, without handing anything back.</summary>
    public static void Kill9(T2IProcess process)
    {
        using (var kill = Process.Start("kill", ["-9", process.Pid.ToString()])) kill.WaitForExit();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (process.Running && DateTime.UtcNow < deadline) Thread.Sleep(20);
    }

    /// <summary>The pid in a Hangfire server id (our server names are <c>host:pid:queue:…</c>).</summary>
    public static int PidOfServer(string serverId) => int.Parse(serverId.Split(':')[1]);

    /// <summary>
    /// A generation record as the processes wrote it to S3. A worker may be replacing it during the read, which
    /// s3rver answers with a cut-off response: such a read is retried, as the app's own store does.
    /// </summary>
    public async Task<GenerationRecord> RecordAsync(string id)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await using var s = await Store("images").OpenReadAsync(GenerationStore.RecordKey(id));
                return (await JsonSerializer.DeserializeAsync<GenerationRecord>(s, new JsonSerializerOptions(JsonSerializerDefaults.Web)))!;
            }
            catch (Exception ex) when (attempt < 5 && ex is not FileNotFoundException)
            {
                await Task.Delay(50 * attempt);
            }
        }
    }

    /// <summary>Where the logs are and their last lines (for failure messages, e.g. on CI); the logs are then kept on disk.</summary>
    public string Logs()
    {
        KeepLogs = true;
        return string.Join("\n", _processes.Select(p => $"--- {p.Role} pid {p.Pid}: {p.Log} ---\n" + string.Join("\n",
            File.Exists(p.Log) ? File.ReadLines(p.Log).TakeLast(24) : [])));
    }

    public bool KeepLogs { get; set; }

    /// <summary>SIGTERM (graceful: running jobs go back to the queue), then SIGKILL after 20 s.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes.Where(p => p.Running))
            using (var term = Process.Start("kill", ["-TERM", p.Pid.ToString()])) await term.WaitForExitAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (_processes.Any(p => p.Running) && DateTime.UtcNow < deadline) await Task.Delay(100);
        foreach (var p in _processes.Where(p => p.Running)) Kill9(p);
        if (KeepLogs) return;
        foreach (var dir in _processes.Select(p => Path.GetDirectoryName(p.Log)!).Distinct())
            try { Directory.Delete(dir, true); } catch (IOException) { }
    }
}
