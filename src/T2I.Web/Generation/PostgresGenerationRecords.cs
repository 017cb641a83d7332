using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace T2I.Web.Generation;

/// <summary>
/// Generation records in PostgreSQL (the database of <c>ConnectionStrings:Hangfire</c>, table
/// <c>t2i_generation_records</c>), so no replica lists the store's <c>records/</c> or holds every record: a page asks
/// for one client's newest, start-up for the unfinished ones, each by an index. A change reads the row
/// <c>FOR UPDATE</c> inside a transaction, so a cancel and a job start on two processes are serialised by the row lock.
/// Images stay in the image store.
/// </summary>
public sealed class PostgresGenerationRecords(string connectionString) : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly NpgsqlDataSource _source = NpgsqlDataSource.Create(connectionString);
    private readonly SemaphoreSlim _schema = new(1, 1);
    private bool _ready;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS t2i_generation_records (
            id text PRIMARY KEY, client_id text NOT NULL, created_at timestamptz NOT NULL, status text NOT NULL,
            record jsonb NOT NULL);
        CREATE INDEX IF NOT EXISTS t2i_generation_records_client ON t2i_generation_records (client_id, created_at DESC);
        CREATE INDEX IF NOT EXISTS t2i_generation_records_unfinished ON t2i_generation_records (status)
            WHERE status IN ('Queued', 'Running');
        """;

    public async Task<GenerationRecord?> GetAsync(string id, CancellationToken ct)
    {
        await using var command = await CommandAsync("SELECT record FROM t2i_generation_records WHERE id = $1", ct);
        command.Parameters.AddWithValue(id);
        return (await ReadAsync(command, ct)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<GenerationRecord>> ListAsync(string clientId, int max, CancellationToken ct)
    {
        await using var command = await CommandAsync(
            "SELECT record FROM t2i_generation_records WHERE client_id = $1 ORDER BY created_at DESC LIMIT $2", ct);
        command.Parameters.AddWithValue(clientId);
        command.Parameters.AddWithValue(max);
        return await ReadAsync(command, ct);
    }

    /// <summary>Queued and running records (start-up's look for work a dead process left).</summary>
    public async Task<IReadOnlyList<GenerationRecord>> UnfinishedAsync(CancellationToken ct)
    {
        await using var command = await CommandAsync(
            "SELECT record FROM t2i_generation_records WHERE status IN ('Queued', 'Running')", ct);
        return await ReadAsync(command, ct);
    }

    /// <summary>Applies <paramref name="change"/> under the row's lock; returns the record as it now stands.</summary>
    public async Task<(GenerationRecord? Now, bool Changed)> UpdateAsync(string id, Func<GenerationRecord?, GenerationRecord?> change,
        CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        await using var connection = await _source.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var read = new NpgsqlCommand("SELECT record FROM t2i_generation_records WHERE id = $1 FOR UPDATE", connection,
            transaction);
        read.Parameters.AddWithValue(id);
        var current = (await ReadAsync(read, ct)).SingleOrDefault();
        var next = change(current);
        if (next is null || ReferenceEquals(next, current))
        {
            await transaction.CommitAsync(ct);
            return (current, false);
        }
        await using var write = new NpgsqlCommand("""
            INSERT INTO t2i_generation_records (id, client_id, created_at, status, record) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, record = EXCLUDED.record
            """, connection, transaction);
        write.Parameters.AddWithValue(id);
        write.Parameters.AddWithValue(next.ClientId);
        write.Parameters.AddWithValue(next.CreatedAt.ToUniversalTime());
        write.Parameters.AddWithValue(next.Status.ToString());
        write.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(next, Json) });
        await write.ExecuteNonQueryAsync(CancellationToken.None); // a half-applied change is worse than a late one
        await transaction.CommitAsync(CancellationToken.None);
        return (next, true);
    }

    private async Task<NpgsqlCommand> CommandAsync(string sql, CancellationToken ct)
    {
        await EnsureSchemaAsync(ct);
        return _source.CreateCommand(sql);
    }

    private static async Task<List<GenerationRecord>> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var records = new List<GenerationRecord>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            if (JsonSerializer.Deserialize<GenerationRecord>(reader.GetString(0), Json) is { } r) records.Add(r);
        return records;
    }

    private async Task EnsureSchemaAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _ready)) return;
        await _schema.WaitAsync(ct);
        try
        {
            if (_ready) return;
            await using var connection = await _source.OpenConnectionAsync(ct);
            // Replicas starting together would race on CREATE ... IF NOT EXISTS; one at a time under an advisory lock.
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(7243001)", connection))
                await lockCommand.ExecuteNonQueryAsync(ct);
            try
            {
                await using var create = new NpgsqlCommand(Schema, connection);
                await create.ExecuteNonQueryAsync(ct);
            }
            finally
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(7243001)", connection);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
            Volatile.Write(ref _ready, true);
        }
        finally { _schema.Release(); }
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
