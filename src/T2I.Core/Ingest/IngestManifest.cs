using System.Text.Json;
using System.Text.Json.Serialization;
using T2I.Core.Storage;

namespace T2I.Core.Ingest;

/// <summary>What one finished input shard produced: its commit object, <c>_commits/{shard}.json</c>.</summary>
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
/// The output's configuration (<c>manifest.json</c>: resolutions and hash partitions, written once by whichever
/// worker comes first) and its summary, derived from the per-shard commits (<c>_commits/{shard}.json</c>). Nothing
/// is rewritten as shards finish, so bytes written per shard stay constant however many shards there are.
/// A shard's files exist before its commit does; files without a commit belong to a shard in progress (or killed)
/// and are rewritten, byte-identical, when it is redone.
/// </summary>
public sealed record IngestManifest
{
    public const string Key = "manifest.json";
    public const int CurrentVersion = 2;

    public int Version { get; init; } = CurrentVersion;
    public int[] Resolutions { get; init; } = [];
    /// <summary>Hash partitions of the dedup phase (0: dedup off). Fixed per output: the dedup files depend on it.</summary>
    public int DedupPartitions { get; init; }

    /// <summary>The committed shards, read from their commits (not stored in manifest.json).</summary>
    [JsonIgnore]
    public SortedDictionary<string, ShardRecord> Shards { get; init; } = new(StringComparer.Ordinal);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public long TotalDrops(string reason) => Shards.Values.Sum(s => s.Drops.GetValueOrDefault(reason));

    /// <summary>The configuration and every commit; null when the output has no manifest.json.</summary>
    public static async Task<IngestManifest?> LoadAsync(IBlobStore store, CancellationToken ct)
    {
        if (await LoadConfigAsync(store, ct) is not { } manifest) return null;
        var keys = new List<string>();
        await foreach (var b in store.ListAsync(IngestLayout.CommitsPrefix, ct))
            if (b.Key.EndsWith(".json", StringComparison.Ordinal)) keys.Add(b.Key);
        var records = new ShardRecord[keys.Count];
        // Commits are small and many (62k at LAION scale): read several at once.
        await Parallel.ForAsync(0, keys.Count, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
            async (i, c) => records[i] = await ReadJsonAsync<ShardRecord>(store, keys[i], c));
        for (int i = 0; i < keys.Count; i++)
            manifest.Shards[IngestLayout.ShardOf(keys[i], IngestLayout.CommitsPrefix, ".json")] = records[i];
        return manifest;
    }

    public static async Task<IngestManifest?> LoadConfigAsync(IBlobStore store, CancellationToken ct)
    {
        if (!await store.ExistsAsync(Key, ct)) return null;
        var manifest = await ReadJsonAsync<IngestManifest>(store, Key, ct);
        if (manifest.Version != CurrentVersion)
            throw new InvalidDataException($"{store.Location}/{Key} is version {manifest.Version} (this ingest writes " +
                $"{CurrentVersion}); ingest into a new location.");
        return manifest;
    }

    /// <summary>Writes manifest.json unless present (then false: compare with what is there).</summary>
    public Task<bool> TryCreateAsync(IBlobStore store, CancellationToken ct) =>
        store.TryCreateAsync(Key, new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(this, Json)), ct);

    /// <summary>The shard's commit, claimed with a create-if-absent write: a second writer of the same shard loses.</summary>
    public static Task<bool> CommitAsync(IBlobStore store, string shard, ShardRecord record, CancellationToken ct) =>
        store.TryCreateAsync(IngestLayout.CommitKey(shard), new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(record, Json)), ct);

    /// <summary>One shard's commit (immutable once written, so readers may cache it).</summary>
    public static Task<ShardRecord> ReadCommitAsync(IBlobStore store, string shard, CancellationToken ct) =>
        ReadJsonAsync<ShardRecord>(store, IngestLayout.CommitKey(shard), ct);

    private static async Task<T> ReadJsonAsync<T>(IBlobStore store, string key, CancellationToken ct)
    {
        await using var s = await store.OpenReadAsync(key, ct);
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(s, Json, ct)
                ?? throw new InvalidDataException($"{store.Location}/{key} is empty.");
        }
        catch (JsonException e)
        {
            // Never overwrite a record we cannot read: it is the only record of finished work.
            throw new InvalidDataException($"{store.Location}/{key} is not a valid ingestion record ({e.Message}); refusing to " +
                $"continue.", e);
        }
    }
}
