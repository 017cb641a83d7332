using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using T2I.Core.Storage;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.ScaleOut;

/// <summary>
/// Several real T2I.Web processes (the built binary, one role each) on one real PostgreSQL database and one
/// s3rver prefix, all on loopback: the deployment of infra/DEPLOY.md, shrunk onto this machine. The test
/// process itself talks to the same PostgreSQL (Hangfire's monitoring API, enqueueing maintenance jobs) and
/// the same S3 (checking what was written).
/// </summary>
public sealed class LoopbackCluster : IAsyncDisposable
{
    private readonly AppProcesses _apps;
    private readonly S3Server _s3;
    private readonly PostgresGenerationRecords _records;

    public string Prefix { get; }
    public JobStorage Storage { get; }
    public IReadOnlyList<T2IProcess> Processes => _apps.Processes;

    /// <param name="settings">Extra app settings for every process, as <c>Key=Value</c> (ASP.NET keys, ':' separated).</param>
    public LoopbackCluster(string hangfireConnection, S3Server s3, string prefix, params string[] settings)
    {
        _s3 = s3;
        Prefix = prefix;
        var env = AppProcesses.CommonEnvironment();
        env["ConnectionStrings__Hangfire"] = hangfireConnection;
        env["T2I__Images"] = Location("images");
        env["T2I__DataProtection__Keys"] = Location("keys");
        env["T2I__Ingestion__Input"] = Location("raw");
        env["T2I__Ingestion__Output"] = Location("buckets");
        env["T2I__Ingestion__Resolutions"] = "256";
        env["T2I_S3_ENDPOINT"] = s3.Endpoint;
        env["T2I_S3_ACCESS_KEY"] = S3Server.AccessKey;
        env["T2I_S3_SECRET_KEY"] = S3Server.SecretKey;
        AppProcesses.AddSettings(env, settings);
        _apps = new AppProcesses(env);
        _records = new PostgresGenerationRecords(hangfireConnection);
        var options = new PostgreSqlStorageOptions { PrepareSchemaIfNecessary = true };
        Storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(hangfireConnection, options), options);
    }

    /// <summary>The built app (see <see cref="AppProcesses.AppDll"/>).</summary>
    public static string AppDll => AppProcesses.AppDll;

    public string Location(string name) => $"s3://{S3Server.Bucket}/{Prefix}/{name}";

    public IBlobStore Store(string name) => BlobStores.Open(Location(name), _s3.Options);

    /// <summary>Starts processes of the given roles at once and waits until each answers <c>/readyz</c>.</summary>
    public Task<T2IProcess[]> StartAsync(params string[] roles) => _apps.StartAsync(roles);

    /// <summary><c>kill -9</c>: the process dies at once, mid-job, without handing anything back.</summary>
    public static void Kill9(T2IProcess process) => AppProcesses.Kill9(process);

    /// <summary>The pid in a Hangfire server id (our server names are <c>host:pid:queue:…</c>).</summary>
    public static int PidOfServer(string serverId) => int.Parse(serverId.Split(':')[1]);

    /// <summary>A generation record as the processes wrote it (to PostgreSQL, beside Hangfire's tables).</summary>
    public async Task<GenerationRecord> RecordAsync(string id) =>
        await _records.GetAsync(id, CancellationToken.None) ?? throw new FileNotFoundException($"No generation record {id}.");

    /// <summary>Where the logs are and their last lines (for failure messages); the logs are then kept on disk.</summary>
    public string Logs() => _apps.Logs();

    /// <summary>SIGTERM (graceful: running jobs go back to the queue), then SIGKILL after 20 s.</summary>
    public async ValueTask DisposeAsync()
    {
        await _apps.DisposeAsync();
        await _records.DisposeAsync();
    }
}
