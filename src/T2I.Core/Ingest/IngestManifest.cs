using System.Text.Json;
using System.Text.Json.Serialization;
using T2I.Core.Storage;

namespace T2I.Core.Ingest;

/// <summary>What one finished input shard produced; written into the manifest as the shard's commit.</summary>
public sealed record ShardRecord
{
    public string Input { get; init; } = "";
    public long Samples { get; init; }
    public long Kept { get; init; }
    /// <summary>Dropped samples by reason (<see cref="DropReasons"/>).</summary>
    public SortedDictionary<string, long> Drops { get; init; } = new();
    /// <summary>Damage outside samples: bad tar headers, unreadable Parquet metadata…</summary>
    public SortedDictionary<string, long> Problems { get; init; } = new();
    /// <summary>Rows written per "res{R}/{bucket}".</summary>
    public SortedDictionary<string, long> Buckets { get; init; } = new();
    /// <summary>Samples kept at fewer resolutions than requested (image smaller than that base), per resolution.</summary>
    public SortedDictionary<string, long> SkippedAtResolution { get; init; } = new();
    public List<string> Outputs { get; init; } = [];
}

/// <summary>
/// <c>manifest.json</c> in the output store: which input shards are finished, and what each produced. It is the
/// commit point of ingestion: a shard's files exist before its entry does, and files of shards without an
/// entry are leftovers of an interrupted run that the next run deletes. Serialised deterministically (sorted
/// keys, no timestamps) so an interrupted-and-resumed run ends byte-identical to an uninterrupted one.
/// </summary>
public sealed record IngestManifest
{
    public const string Key = "manifest.json";
    public const string HashesPrefix = "_hashes/";

    public int Version { get; init; } = 1;
    public int[] Resolutions { get; init; } = [];
    public SortedDictionary<string, ShardRecord> Shards { get; init; } = new(StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string HashesKey(string shard) => $"{HashesPrefix}{shard}.txt";

    public long TotalDrops(string reason) => Shards.Values.Sum(s => s.Drops.GetValueOrDefault(reason));

    public static async Task<IngestManifest?> LoadAsync(IBlobStore store, CancellationToken ct)
    {
        if (!await store.ExistsAsync(Key, ct)) return null;
        await using var s = await store.OpenReadAsync(Key, ct);
        try
        {
            return await JsonSerializer.DeserializeAsync<IngestManifest>(s, Json, ct)
                ?? throw new InvalidDataException($"{store.Location}/{Key} is empty.");
        }
        catch (JsonException e)
        {
            // Never overwrite a manifest we cannot read: it is the only record of finished work.
            throw new InvalidDataException($"{store.Location}/{Key} is not a valid ingestion manifest ({e.Message}); refusing to " +
                $"continue.", e);
        }
    }

    /// <summary>Atomic replace (the store's write is all-or-nothing).</summary>
    public Task SaveAsync(IBlobStore store, CancellationToken ct) =>
        store.WriteAsync(Key, new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(this, Json)), ct);
}
