using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using T2I.Core.Storage;

namespace T2I.Web.Generation;

/// <summary>
/// <paramref name="Shared"/>: other processes (workers, other web replicas) write the same records, so the
/// in-memory index is only a cache — non-terminal records are re-read from the store, and the index re-lists
/// new records at most every <paramref name="IndexRefresh"/>. <paramref name="Postgres"/>: records live in that database
/// instead (<see cref="PostgresGenerationRecords"/>; set with the PostgreSQL queue), and the store keeps no index.
/// </summary>
public sealed record GenerationStoreOptions(bool Shared = false, TimeSpan? IndexRefresh = null, string? Postgres = null)
{
    public TimeSpan RefreshEvery => IndexRefresh ?? TimeSpan.FromSeconds(5);
}

/// <summary>
/// Generation records and their images in the blob store (<c>records/ID.json</c>, <c>images/ID/N.png</c>),
/// with an in-memory index loaded once, so history survives restarts and the page never lists the store.
/// All record changes go through <see cref="UpdateAsync"/>, which serialises them in this process: a cancel
/// and a job start cannot both win. Across processes (shared mode) a change re-reads the record first; the
/// remaining race (a cancel and a start on two processes at once) is settled by Hangfire, whose job deletion
/// stops the run, which then records itself as cancelled.
/// </summary>
public sealed partial class GenerationStore(IBlobStore blobs, GenerationTracker tracker, GenerationStoreOptions options,
    ILogger<GenerationStore> log)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<string, GenerationRecord> _records = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Task? _loaded;
    private long _listedAt = Environment.TickCount64;
    private readonly PostgresGenerationRecords? _pg = options.Postgres is { } cs ? new(cs) : null;
    /// <summary>PostgreSQL records: the last status seen of unfinished ones, to tell pages when another process changed one.</summary>
    private readonly ConcurrentDictionary<string, (GenerationStatus Status, int Images)> _seen = new();

    public IBlobStore Blobs => blobs;

    /// <summary>Ids are 32 lowercase hex digits; anything else is refused before it reaches a blob key.</summary>
    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    public static string NewId() => Guid.NewGuid().ToString("N");

    public async Task<GenerationRecord?> GetAsync(string id, CancellationToken ct = default)
    {
        if (!IsValidId(id)) return null;
        if (_pg is not null) return Seen(await _pg.GetAsync(id, ct));
        if (!options.Shared)
        {
            await EnsureLoadedAsync(ct);
            return _records.GetValueOrDefault(id);
        }
        return await FreshAsync(id, _records.GetValueOrDefault(id), ct);
    }

    /// <summary>A client's generations, newest first.</summary>
    public async Task<IReadOnlyList<GenerationRecord>> ListAsync(string clientId, int max = 100, CancellationToken ct = default)
    {
        if (_pg is not null) return (await _pg.ListAsync(clientId, max, ct)).Select(r => Seen(r)!).ToList();
        await EnsureLoadedAsync(ct);
        var mine = _records.Values.Where(r => r.ClientId == clientId).OrderByDescending(r => r.CreatedAt).Take(max).ToList();
        if (!options.Shared) return mine;
        if (Environment.TickCount64 - Interlocked.Read(ref _listedAt) > options.RefreshEvery.TotalMilliseconds)
        {
            Interlocked.Exchange(ref _listedAt, Environment.TickCount64);
            await LoadAsync(onlyNew: true); // records another web replica created
            mine = _records.Values.Where(r => r.ClientId == clientId).OrderByDescending(r => r.CreatedAt).Take(max).ToList();
        }
        for (int i = 0; i < mine.Count; i++) mine[i] = await FreshAsync(mine[i].Id, mine[i], ct) ?? mine[i];
        return mine;
    }

    /// <summary>Queued and running records (from the index in the blob store: in shared mode possibly stale for running ones).</summary>
    public async Task<IReadOnlyList<GenerationRecord>> UnfinishedAsync(CancellationToken ct = default)
    {
        if (_pg is not null) return await _pg.UnfinishedAsync(ct);
        await EnsureLoadedAsync(ct);
        return _records.Values.Where(r => !r.IsTerminal).ToList();
    }

    /// <summary>Tells this process's pages about a change another process made to a record they may show.</summary>
    private GenerationRecord? Seen(GenerationRecord? r)
    {
        if (r is null) return null;
        var now = (r.Status, r.ImagesDone);
        bool changed = _seen.TryGetValue(r.Id, out var before) && before != now;
        if (r.IsTerminal) _seen.TryRemove(r.Id, out _);
        else _seen[r.Id] = now;
        if (changed) tracker.NotifyChanged(r.Id);
        return r;
    }

    public Task AddAsync(GenerationRecord record, CancellationToken ct = default) =>
        UpdateAsync(record.Id, existing => existing is null ? record
            : throw new InvalidOperationException($"Generation {record.Id} exists."), ct);

    /// <summary>
    /// Applies <paramref name="change"/> to the current record (null when absent) under the store's lock and
    /// persists the result; returning null (or the same instance) leaves the record unchanged.
    /// </summary>
    public async Task<GenerationRecord?> UpdateAsync(string id, Func<GenerationRecord?, GenerationRecord?> change,
        CancellationToken ct = default)
    {
        if (_pg is not null)
        {
            var (now, changed) = await _pg.UpdateAsync(id, change, ct);
            if (changed) tracker.NotifyChanged(id);
            return now;
        }
        if (!options.Shared) await EnsureLoadedAsync(ct);
        await _gate.WaitAsync(ct);
        GenerationRecord? current, next;
        try
        {
            current = options.Shared ? await ReadRecordAsync(id, ct) : _records.GetValueOrDefault(id);
            next = change(current);
            if (next is null || ReferenceEquals(next, current)) return current;
            using var stream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(next, Json));
            await blobs.WriteAsync(RecordKey(id), stream, CancellationToken.None); // a half-applied change is worse than a late one
            _records[id] = next;
        }
        finally { _gate.Release(); }
        tracker.NotifyChanged(id);
        return next;
    }

    public async Task SaveImageAsync(string id, int index, byte[] png, CancellationToken ct = default)
    {
        using var stream = new MemoryStream(png, writable: false);
        await blobs.WriteAsync(ImageKey(id, index), stream, ct);
    }

    public Task<bool> HasImageAsync(string id, int index, CancellationToken ct = default) => blobs.ExistsAsync(ImageKey(id, index), ct);

    public async Task<byte[]?> ReadImageAsync(string id, int index, CancellationToken ct = default)
    {
        if (!IsValidId(id) || index < 0) return null;
        try
        {
            await using var s = await blobs.OpenReadAsync(ImageKey(id, index), ct);
            using var ms = new MemoryStream();
            await s.CopyToAsync(ms, ct);
            return ms.ToArray();
        }
        catch (FileNotFoundException) { return null; }
    }

    public static string RecordKey(string id) => $"records/{id}.json";
    public static string ImageKey(string id, int index) => $"images/{id}/{index}.png";

    /// <summary>Shared mode: a terminal record never changes again; any other is re-read from the store.</summary>
    private async Task<GenerationRecord?> FreshAsync(string id, GenerationRecord? cached, CancellationToken ct)
    {
        if (cached is { IsTerminal: true }) return cached;
        GenerationRecord? fresh;
        try
        {
            fresh = await ReadRecordAsync(id, ct);
        }
        catch (Exception ex) when (cached is not null && ex is not OperationCanceledException)
        {
            // Still unreadable after the retries (a loaded s3rver): the last copy is a moment old, a 500 is worse.
            log.LogWarning("Generation record {Id} unreadable ({Error}); serving the cached copy", id, ex.Message);
            return cached;
        }
        if (fresh is null) return cached;
        _records[id] = fresh;
        if (cached is null || cached.Status != fresh.Status || cached.ImagesDone != fresh.ImagesDone) tracker.NotifyChanged(id);
        return fresh;
    }

    /// <summary>
    /// Reads a record from the store. Another process may be replacing it at that moment; some S3 servers
    /// (s3rver) then answer a GET with a damaged response, so such a failure is retried a few times.
    /// </summary>
    private async Task<GenerationRecord?> ReadRecordAsync(string id, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await using var s = await blobs.OpenReadAsync(RecordKey(id), ct);
                return await JsonSerializer.DeserializeAsync<GenerationRecord>(s, Json, ct);
            }
            catch (FileNotFoundException) { return null; }
            catch (Exception ex) when (attempt < ReadAttempts && ex is not OperationCanceledException)
            {
                log.LogDebug("Re-reading generation record {Id} after {Error}", id, ex.Message);
                await Task.Delay(25 * attempt, ct);
            }
        }
    }

    /// <summary>8 attempts, 25..175 ms apart (0.7 s in all): 4 were not enough on a loaded 2-core machine.</summary>
    private const int ReadAttempts = 8;

    private Task EnsureLoadedAsync(CancellationToken ct)
    {
        var loaded = Volatile.Read(ref _loaded);
        if (loaded is not null) return loaded;
        Interlocked.CompareExchange(ref _loaded, LoadAsync(onlyNew: false), null);
        return _loaded!;
    }

    private async Task LoadAsync(bool onlyNew)
    {
        int skipped = 0, added = 0;
        await foreach (var blob in blobs.ListAsync("records/"))
        {
            string id = Path.GetFileNameWithoutExtension(blob.Key);
            if (onlyNew && _records.ContainsKey(id)) continue;
            try
            {
                await using var s = await blobs.OpenReadAsync(blob.Key);
                var record = await JsonSerializer.DeserializeAsync<GenerationRecord>(s, Json);
                if (record is not null && IsValidId(record.Id) && _records.TryAdd(record.Id, record)) added++;
                else if (record is null || !IsValidId(record.Id)) skipped++;
            }
            catch (Exception ex) when (ex is JsonException or FileNotFoundException)
            {
                skipped++;
                log.LogWarning("Skipping unreadable generation record {Key}: {Message}", blob.Key, ex.Message);
            }
        }
        if (!onlyNew || added > 0)
            log.LogInformation("Loaded {Count} generation records from {Location} ({Skipped} skipped)", added, blobs.Location, skipped);
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex IdPattern();
}
