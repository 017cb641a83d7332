using System.Text.Json;
using T2I.Core.Storage;
using T2I.Training.Loop;

namespace T2I.Training.Dit;

/// <summary>
/// <c>latents.json</c> at the root of a latent shard folder: which codec encoded it (its identity: kind + weights hash),
/// the latents' shape and storage (channels, downsampling factor, dtype: LatentStorage), what was encoded (source,
/// resolutions, filters) and how many input shards the whole set has. Every encoder process writes the same file, and
/// refuses a folder whose file differs: latents of another tokenizer or other settings are never mixed in.
/// </summary>
public sealed record LatentShardManifest(int Format, string Codec, int Channels, int Factor, string Dtype, string Source,
    int ShardResolution, int Resolution, string CaptionWord, int MaxSamples, int Inputs)
{
    public const string FileName = "latents.json";
    public const string DoneDir = "done/";
    public const int CurrentFormat = 1;

    /// <summary>An input shard's name in the output: <c>res256/256x256/00000.parquet</c> → <c>256x256_00000</c>.</summary>
    public static string Stem(string inputKey)
    {
        var parts = inputKey.Split('/');
        return $"{parts[^2]}_{Path.GetFileNameWithoutExtension(parts[^1])}";
    }

    public static async Task<LatentShardManifest?> ReadAsync(IBlobStore store, CancellationToken ct = default)
    {
        if (!await store.ExistsAsync(FileName, ct)) return null;
        await using var s = await store.OpenReadAsync(FileName, ct);
        return await JsonSerializer.DeserializeAsync<LatentShardManifest>(s, PresetJson.Options, ct)
            ?? throw new InvalidDataException($"{store.Location}/{FileName} is empty.");
    }

    /// <summary>Writes the manifest into an empty folder, or checks that the folder's own one is this one.</summary>
    public async Task WriteOrCheckAsync(IBlobStore store, CancellationToken ct = default)
    {
        if (await ReadAsync(store, ct) is { } existing)
        {
            if (existing.Codec != Codec)
                throw new InvalidOperationException($"{store.Location} holds latents of codec '{existing.Codec}', not '{Codec}': " +
                    "latents of two codecs are never mixed; choose another output.");
            if (existing != this)
                throw new InvalidOperationException($"{store.Location} was encoded with other settings ({existing}); this run " +
                    $"asks for {this}. Choose another output.");
            return;
        }
        await store.WriteAsync(FileName, new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(this, PresetJson.Options)), ct);
    }
}

/// <summary>
/// <c>done/&lt;stem&gt;.json</c>: one input shard is fully encoded (written last, after its latent files), with its row
/// counts and per-channel sums, so the dataset's latent statistics come from these small files, not from the latents.
/// </summary>
public sealed record LatentShardMarker(string Input, int Rows, int NoImage, int Undecodable, int Filtered, double[] Sum,
    double[] SumSq, long Positions)
{
    public static string Key(string stem) => $"{LatentShardManifest.DoneDir}{stem}.json";

    public static async Task<LatentShardMarker?> ReadAsync(IBlobStore store, string stem, CancellationToken ct = default)
    {
        if (!await store.ExistsAsync(Key(stem), ct)) return null;
        await using var s = await store.OpenReadAsync(Key(stem), ct);
        return await JsonSerializer.DeserializeAsync<LatentShardMarker>(s, PresetJson.Options, ct);
    }

    public Task WriteAsync(IBlobStore store, string stem, CancellationToken ct = default) =>
        store.WriteAsync(Key(stem), new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(this, PresetJson.Options)), ct);
}
