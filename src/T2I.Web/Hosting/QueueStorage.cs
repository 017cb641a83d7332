using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using T2I.Web.Settings;

namespace T2I.Web.Hosting;

/// <summary>
/// Creates the Hangfire storage of <see cref="QueueStorageKind"/>. SQLite is embedded: one process owns the file
/// (an exclusive lock file beside it, released by the OS even after <c>kill -9</c>), so at start-up no worker of
/// the file is alive and every job a dead process had fetched is handed back to the queue at once. That is why
/// its invisibility timeout is never needed: it is set out of reach, since Hangfire.Storage.SQLite does not slide
/// it and a job running past it would be fetched a second time by an idle worker (measured; see the README).
/// </summary>
public static class QueueStorage
{
    /// <summary>How often an idle SQLite worker looks for a job (the storage cannot wake it); its queries cost microseconds.</summary>
    public static readonly TimeSpan SqlitePollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>A fetched SQLite job is never handed to another worker while this process lives (see the class).</summary>
    private static readonly TimeSpan SqliteInvisibility = TimeSpan.FromDays(3650);

    public static JobStorage Create(QueueStorageKind kind, string? postgres, string sqliteFile, HangfireTimeoutOptions timeouts) =>
        kind switch
        {
            QueueStorageKind.Postgres => Postgres(postgres!, timeouts),
            QueueStorageKind.Sqlite => Sqlite(sqliteFile, timeouts.DistributedLockTimeout),
            _ => new InMemoryStorage(new InMemoryStorageOptions
            {
                MaxExpirationTime = TimeSpan.FromHours(6),
                // Random job ids: long ids restart at 1 with every process, and records outlive processes.
                IdType = InMemoryStorageIdType.Guid,
            }),
        };

    private static PostgreSqlStorage Postgres(string connection, HangfireTimeoutOptions timeouts)
    {
        var options = HangfireSetup.PostgresOptions(timeouts.InvisibilityTimeout, timeouts.DistributedLockTimeout);
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connection, options), options);
    }

    private static OwnedSqliteStorage Sqlite(string file, TimeSpan lockLifetime)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        FileStream owner;
        try
        {
            owner = new FileStream(file + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new InvalidSettingsException($"{QueueStorageOptions.Section}:File {file} is in use by another T2I process; " +
                "give each process its own file, or share PostgreSQL (T2I:Queue:Storage=postgres).");
        }
        var storage = new OwnedSqliteStorage(file, owner, new SQLiteStorageOptions
        {
            QueuePollInterval = SqlitePollInterval,
            InvisibilityTimeout = SqliteInvisibility,
            // How long a lock of a killed process blocks; a live holder extends it every fifth of it.
            DistributedLockLifetime = lockLifetime,
        });
        ReleaseFetchedJobs(storage);
        return storage;
    }

    /// <summary>Jobs a dead process had fetched go back to the queue; Hangfire then runs them again (Processing → Processing).</summary>
    private static void ReleaseFetchedJobs(SQLiteStorage storage)
    {
        using var db = storage.CreateAndOpenConnection();
        foreach (var fetched in db.JobQueueRepository.Where(q => q.FetchedAt != DateTime.MinValue).ToList())
        {
            fetched.FetchedAt = DateTime.MinValue;
            db.Database.Update(fetched);
        }
    }

    /// <summary>The SQLite storage with its lock file, held until the storage is disposed (or the process dies).</summary>
    private sealed class OwnedSqliteStorage(string file, FileStream owner, SQLiteStorageOptions options)
        : SQLiteStorage(file, options), IDisposable
    {
        void IDisposable.Dispose()
        {
            Dispose();
            owner.Dispose();
        }
    }
}
