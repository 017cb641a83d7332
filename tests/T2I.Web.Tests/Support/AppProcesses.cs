using System.Diagnostics;

namespace T2I.Web.Tests.Support;

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
/// Real T2I.Web processes (the built binary, <see cref="AppDll"/>) on loopback, all with the same environment: the
/// scale-out cluster and the embedded server's crash tests. They are stopped with SIGTERM (then SIGKILL) on dispose.
/// </summary>
public sealed class AppProcesses(IReadOnlyDictionary<string, string> environment) : IAsyncDisposable
{
    private readonly List<T2IProcess> _processes = [];

    public IReadOnlyList<T2IProcess> Processes
    {
        get
        {
            lock (_processes) return _processes.ToList();
        }
    }

    /// <summary>The built app next to this test assembly's configuration (Debug or Release).</summary>
    public static string AppDll
    {
        get
        {
            // bin/<configuration>/net10.0/
            string configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            return Path.Combine(InfraScripts.RepoRoot, "src", "T2I.Web", "bin", configuration, "net10.0", "T2I.Web.dll");
        }
    }

    /// <summary>
    /// The environment every test process gets: the CPU, one thread, no rate limit, our own log lines, and the small
    /// shapes model these queue and restart tests were timed with (the emoji default loads MiniLM in every process).
    /// </summary>
    public static Dictionary<string, string> CommonEnvironment() => new()
    {
        ["T2I__Model"] = "models/t2i-demo",
        ["T2I__Device"] = "cpu",
        ["T2I__Threads"] = "1",
        ["T2I__RateLimit__Burst"] = "100000",
        ["OMP_NUM_THREADS"] = "1",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__T2I"] = "Information", // our own jobs' start/finish lines make a failed run readable
    };

    /// <summary>Turns <c>Key=Value</c> app settings (ASP.NET keys, ':' separated) into environment variables.</summary>
    public static void AddSettings(IDictionary<string, string> environment, IEnumerable<string> settings)
    {
        foreach (var s in settings)
        {
            int eq = s.IndexOf('=');
            environment[s[..eq].Replace(":", "__")] = s[(eq + 1)..];
        }
    }

    /// <summary>Starts processes of the given roles at once and waits until each answers <c>/readyz</c>.</summary>
    public async Task<T2IProcess[]> StartAsync(params string[] roles)
    {
        var started = await Task.WhenAll(roles.Select(role => Task.Run(() =>
        {
            string[] args = ["--role", role, "--dll", AppDll, "--watch-pid", Environment.ProcessId.ToString()];
            var lines = InfraScripts.Run("start-t2i.sh", args, environment)
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
        WaitExited(process, TimeSpan.FromSeconds(10));
    }

    /// <summary>SIGTERM, as a service manager stops the app: it hands running jobs back; waits until it has exited.</summary>
    public static async Task TerminateAsync(T2IProcess process, TimeSpan timeout)
    {
        using (var term = Process.Start("kill", ["-TERM", process.Pid.ToString()])) await term.WaitForExitAsync();
        await Task.Run(() => WaitExited(process, timeout));
        Assert.False(process.Running, $"pid {process.Pid} still runs {timeout} after SIGTERM");
    }

    private static void WaitExited(T2IProcess process, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (process.Running && DateTime.UtcNow < deadline) Thread.Sleep(20);
    }

    /// <summary>Where the logs are and their last lines (for failure messages, e.g. on CI); the logs are then kept on disk.</summary>
    public string Logs()
    {
        KeepLogs = true;
        return string.Join("\n", Processes.Select(p => $"--- {p.Role} pid {p.Pid}: {p.Log} ---\n" + string.Join("\n",
            File.Exists(p.Log) ? File.ReadLines(p.Log).TakeLast(24) : [])));
    }

    public bool KeepLogs { get; set; }

    /// <summary>SIGTERM (graceful: running jobs go back to the queue), then SIGKILL after 20 s.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var p in Processes.Where(p => p.Running))
            using (var term = Process.Start("kill", ["-TERM", p.Pid.ToString()])) await term.WaitForExitAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Processes.Any(p => p.Running) && DateTime.UtcNow < deadline) await Task.Delay(100);
        foreach (var p in Processes.Where(p => p.Running)) Kill9(p);
        if (KeepLogs) return;
        foreach (var dir in Processes.Select(p => Path.GetDirectoryName(p.Log)!).Distinct())
            try { Directory.Delete(dir, true); } catch (IOException) { }
    }
}
