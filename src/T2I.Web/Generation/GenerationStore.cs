using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using T2I.Core.Storage;

namespace T2I.Web.Generation;

/// <summary>
/// Generation records and their images in the blob store (<c>records/ID.json</c>, <c>images/ID/N.png</c>),
/// with an in-memory index loaded once, so history survives restarts and the page never lists the store.
/// All record changes go through <see cref="UpdateAsync"/>, which serialises them: a cancel and a job
/// start cannot both win.
/// </summary>
public sealed partial class GenerationStore(IBlobStore blobs, GenerationTracker tracker, ILogger<GenerationStore> log)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<string, GenerationRecord> _records = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Task? _loaded;

    public IBlobStore Blobs => blobs;

    /// <summary>Ids are 32 lowercase hex digits; anything else is refused before it reaches a blob key.</summary>
    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    public static string NewId() => Guid.NewGuid().ToString("N");

    public async Task<GenerationRecord?> GetAsync(string id, CancellationToken ct = default)
    {
        if (!IsValidId(id)) return null;
        await EnsureLoadedAsync(ct);
        return _records.GetValueOrDefault(id);
    }

    /// <summary>A client's generations, newest first.</summary>
    public async Task<IReadOnlyList<GenerationRecord>> ListAsync(string clientId, int max = 100, CancellationToken ct = default)
    {
        await EnsureLoadedAsync(ct);
        return _records.Values.Where(r => r.ClientId == clientId).OrderByDescending(r => r.CreatedAt).Take(max).ToList();
    }

    public async Task<IReadOnlyList<GenerationRecord>> AllAsync(CancellationToken ct = default)
    {
        await EnsureLoadedAsync(ct);
        return _records.Values.ToList();
    }

    public Task AddAsync(GenerationRecord record, CancellationToken ct = default) =>
        UpdateAsync(record.Id, existing => existing is null ? record : throw new InvalidOperationException($"Generation {record.Id} exists."), ct);

    /// <summary>
    /// Applies <paramref name="change"/> to the current record (null when absent) under the store's lock and
    /// persists the result; returning null (or the same instance) leaves the record unchanged.
    /// </summary>
    public async Task<GenerationRecord?> UpdateAsync(string id, Func<GenerationRecord?, GenerationRecord?> change, CancellationToken ct = default)
    {
        await EnsureLoadedAsync(ct);
        await _gate.WaitAsync(ct);
        GenerationRecord? current, next;
        try
        {
            current = _records.GetValueOrDefault(id);
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

    private static string RecordKey(string id) => $"records/{id}.json";
    private static string ImageKey(string id, int index) => $"images/{id}/{index}.png";

    private Task EnsureLoadedAsync(CancellationToken ct)
    {
        var loaded = Volatile.Read(ref _loaded);
        if (loaded is not null) return loaded;
        Interlocked.CompareExchange(ref _loaded, LoadAsync(), null);
        return _loaded!;
    }

    private async Task LoadAsync()
    {
        int skipped = 0;
        await foreach (var blob in blobs.ListAsync("records/"))
        {
            try
            {
                await using var s = await blobs.OpenReadAsync(blob.Key);
                var record = await JsonSerializer.DeserializeAsync<GenerationRecord>(s, Json);
                if (record is not null && IsValidId(record.Id)) _records[record.Id] = record;
                else skipped++;
            }
            catch (JsonException ex)
            {
                skipped++;
                log.LogWarning("Skipping unreadable generation record {Key}: {Message}", blob.Key, ex.Message);
            }
        }
        log.LogInformation("Loaded {Count} generation records from {Location} ({Skipped} skipped)", _records.Count, blobs.Location, skipped);
    }

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex IdPattern();
}
