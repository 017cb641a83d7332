using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.States;
using Npgsql;
using T2I.Web.Hosting;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.ScaleOut;

/// <summary>
/// A worker killed while Hangfire changes a job's state leaves two things behind in PostgreSQL: the job in
/// Processing (its queue row claimed) and the job's state lock row. The scale-out test hit exactly this: the
/// orphan was fetched again after the invisibility timeout but could not change state until the lock expired,
/// 10 min with Hangfire.PostgreSql's default. Here both are left on purpose, once with Hangfire's default lock
/// timeout and once with ours, on the same real PostgreSQL: only ours finishes the job.
/// </summary>
public class StaleLockTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly TimeSpan Invisibility = TimeSpan.FromSeconds(5), LockTimeout = TimeSpan.FromSeconds(6);

    [Fact]
    public async Task AJobOrphanedMidStateChangeFinishesOnceTheDeadWorkersLockExpires()
    {
        var ours = Orphan(HangfireSetup.PostgresOptions(Invisibility, LockTimeout));
        var hangfireDefault = Orphan(HangfireSetup.PostgresOptions(Invisibility, new PostgreSqlStorageOptions().DistributedLockTimeout));
        var servers = new[] { ours, hangfireDefault }.Select(o => new BackgroundJobServer(
            new BackgroundJobServerOptions
            {
                WorkerCount = 1, ServerName = $"survivor-{o.JobId}",
                Activator = new JobActivator(), // not the process-wide one another test's (disposed) app may have left
            }, o.Storage)).ToList();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (State(ours) != SucceededState.StateName)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the orphan is still {State(ours)} 120 s after its lock went stale: " +
                    string.Join(", ", ours.Storage.GetMonitoringApi().JobDetails(ours.JobId).History.Select(h => $"{h.StateName} {h.Reason} {(h.Data.TryGetValue("ExceptionMessage", out var m) ? m : "")}")));
                await Task.Delay(200);
            }
            // The control: same orphan, same survivor, Hangfire's 10-min lock — still stuck.
            Assert.Equal(ProcessingState.StateName, State(hangfireDefault));
        }
        finally
        {
            foreach (var s in servers) s.Dispose();
        }
    }

    private sealed record Orphaned(JobStorage Storage, string JobId);

    private static string? State(Orphaned o)
    {
        using var connection = o.Storage.GetConnection();
        return connection.GetStateData(o.JobId)?.Name;
    }

    /// <summary>
    /// A job as a worker leaves it when killed inside the state change: Processing on a server that is gone, its
    /// queue row claimed long ago (so the invisibility timeout has passed), its state lock held.
    /// </summary>
    private Orphaned Orphan(PostgreSqlStorageOptions options)
    {
        string connectionString = postgres.CreateDatabase();
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
        var client = new BackgroundJobClient(storage);
        string id = client.Create(() => NoopJob.Run(), new EnqueuedState());
        using (var connection = storage.GetConnection())
        using (var transaction = connection.CreateWriteTransaction())
        {
            transaction.SetJobState(id, new ProcessingOnServer("killed-worker"));
            transaction.Commit();
        }
        using var db = new NpgsqlConnection(connectionString);
        db.Open();
        Execute(db, $"UPDATE {options.SchemaName}.jobqueue SET fetchedat = now() - interval '1 hour' WHERE jobid = {id}");
        Execute(db, $"INSERT INTO {options.SchemaName}.lock(resource, updatecount, acquired) VALUES ('{options.SchemaName}:job:{id}:state-lock', 0, now())");
        return new Orphaned(storage, id);
    }

    private static void Execute(NpgsqlConnection db, string sql)
    {
        using var command = new NpgsqlCommand(sql, db);
        Assert.Equal(1, command.ExecuteNonQuery());
    }
}
