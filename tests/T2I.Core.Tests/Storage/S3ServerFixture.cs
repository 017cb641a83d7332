using System.Diagnostics;
using T2I.Core.Storage;

namespace T2I.Core.Tests.Storage;

/// <summary>
/// One s3rver per test run, started through infra/start-s3.sh on 127.0.0.1 with one bucket. When the
/// server cannot start, <see cref="Options"/> throws with the script's output, so every S3 test fails
/// with the reason instead of being skipped.
/// </summary>
public sealed class S3ServerFixture : IDisposable
{
    public const string Bucket = "t2i-test";
    private const string Credential = "S3RVER"; // s3rver's fixed access and secret key

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "t2i-s3rver-" + Guid.NewGuid().ToString("N"));
    private readonly string? _repoRoot;
    private readonly string? _pidFile;
    private readonly string? _error;

    public S3ServerFixture()
    {
        try
        {
            _repoRoot = FindRepoRoot();
            Directory.CreateDirectory(_dir);
            var output = RunScript("start-s3.sh", TimeSpan.FromMinutes(3),
                "--dir", _dir, "--watch-pid", Environment.ProcessId.ToString());
            var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => l.Contains('='))
                .ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);
            _pidFile = values.GetValueOrDefault("S3_PID_FILE");
            Endpoint = values.GetValueOrDefault("S3_ENDPOINT")
                       ?? throw new InvalidOperationException($"start-s3.sh printed no S3_ENDPOINT:\n{output}");
            using var store = new S3BlobStore(OptionsFor(""));
            store.EnsureBucketAsync().GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            _error = e.ToString();
        }
    }

    public string? Endpoint { get; }

    /// <summary>Options for a store under <paramref name="prefix"/> in the test bucket.</summary>
    public S3StoreOptions OptionsFor(string prefix)
    {
        if (_error is not null)
            throw new InvalidOperationException("s3rver (infra/start-s3.sh) could not be started:\n" + _error);
        return new S3StoreOptions
        {
            ServiceUrl = Endpoint,
            Bucket = Bucket,
            Prefix = prefix,
            AccessKey = Credential,
            SecretKey = Credential,
        };
    }

    public void Dispose()
    {
        try
        {
            if (_pidFile is not null) RunScript("stop-s3.sh", TimeSpan.FromSeconds(30), _pidFile);
        }
        finally
        {
            if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        }
    }

    private string RunScript(string script, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _repoRoot!,
        };
        psi.ArgumentList.Add(Path.Combine(_repoRoot!, "infra", script));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not run {script}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish within {timeout}.");
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException(
                $"{script} exited with {p.ExitCode}.\nstdout:\n{stdout.Result}\nstderr:\n{stderr.Result}");
        return stdout.Result;
    }

    internal static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "T2I.sln"))) return dir.FullName;
        throw new InvalidOperationException($"T2I.sln not found above {AppContext.BaseDirectory}.");
    }
}
