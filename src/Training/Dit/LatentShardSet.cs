using T2I.Core.Data;
using T2I.Core.Inference;
using T2I.Core.Storage;
using static TorchSharp.torch;

namespace T2I.Training.Dit;

/// <summary>
/// A complete latent shard folder (<see cref="LatentEncoder"/>'s output) as the DiT trains on it: checked against the
/// codec, statistics from the done markers, batches streamed through <see cref="BucketBatchReader"/> (one bucket per
/// batch, seeded shuffle per epoch, resumable position), so memory does not grow with the dataset.
/// </summary>
public sealed class LatentShardSet
{
    private readonly IReadOnlyList<LatentShardMarker> _markers;

    private LatentShardSet(IBlobStore store, LatentShardManifest manifest, IReadOnlyList<LatentShardMarker> markers)
        => (Store, Manifest, _markers) = (store, manifest, markers);

    public IBlobStore Store { get; }
    public LatentShardManifest Manifest { get; }
    public long Rows => _markers.Sum(m => m.Rows);

    /// <summary>The latents <paramref name="config"/> trains on: its <c>latent_shards</c> folder, or (unset) its image
    /// data encoded into <paramref name="cacheDir"/>/&lt;key&gt;/ now, or reused when that run completed before.</summary>
    public static LatentShardSet Prepare(DitTrainConfig config, T2I.Core.Latents.ILatentCodec codec, string codecIdentity,
        Device device, string cacheDir, Action<string> log)
    {
        if (config.LatentShards.Length > 0) return Open(config.LatentShards, codecIdentity);
        var inputs = LatentEncoder.ListInputsAsync(ShardRows.Store(config.Data), config.ShardResolution).GetAwaiter().GetResult();
        // Keyed by the data (its shard files and sizes), the training resolution, the filters and the codec's identity.
        string key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            $"{config.Data}|{string.Join(",", inputs.Select(i => $"{i.Key}:{i.Size}"))}|{config.ShardResolution}|" +
            $"{config.Resolution}|{config.MaxSamples}|{config.CaptionWord}|{codecIdentity}" +
            // float32 adds nothing, so caches written before the dtype existed keep their key
            (config.LatentDtype == LatentStorage.Float32 ? "" : $"|{config.LatentDtype}"))))[..16].ToLowerInvariant();
        string dir = Path.Combine(cacheDir, key);
        LatentEncoder.Run(LatentEncodeJob.From(config, dir), codec, codecIdentity, device, log);
        return Open(dir, codecIdentity);
    }

    public static LatentShardSet Open(string location, string codecIdentity)
    {
        var store = BlobStores.Open(location);
        var manifest = LatentShardManifest.ReadAsync(store).GetAwaiter().GetResult()
            ?? throw new InvalidDataException($"{location} holds no {LatentShardManifest.FileName}: write latent shards with " +
                "`training encode-latents` first.");
        if (manifest.Codec != codecIdentity)
            throw new InvalidDataException($"{location} holds latents of codec '{manifest.Codec}', but this run's codec is " +
                $"'{codecIdentity}': encode the data with this codec.");
        var markers = new List<LatentShardMarker>();
        foreach (var blob in Sync(store.ListAsync(LatentShardManifest.DoneDir)))
            markers.Add(LatentShardMarker.ReadAsync(store, Path.GetFileNameWithoutExtension(blob.Key)).GetAwaiter().GetResult()!);
        if (markers.Count != manifest.Inputs)
            throw new InvalidDataException($"{location} is incomplete: {markers.Count} of {manifest.Inputs} input shards encoded. " +
                "Finish `training encode-latents` (every --shard-index) first.");
        if (markers.Sum(m => m.Rows) == 0) throw new InvalidDataException($"{location}: no decodable images were encoded.");
        return new LatentShardSet(store, manifest, markers);
    }

    /// <summary>Per-channel mean and std over every latent position (or one std shared by all channels).</summary>
    public LatentNormalization Statistics(bool perChannelStd)
    {
        int c = Manifest.Channels;
        var sum = Enumerable.Range(0, c).Select(i => _markers.Sum(m => m.Sum[i])).ToArray();
        var sumSq = Enumerable.Range(0, c).Select(i => _markers.Sum(m => m.SumSq[i])).ToArray();
        return LatentNormalization.FromSums(sum, sumSq, _markers.Sum(m => m.Positions), perChannelStd: perChannelStd);
    }

    public BucketBatchReader OpenReader(BucketBatchOptions options)
        => BucketBatchReader.OpenAsync(Store, Manifest.Resolution, options).GetAwaiter().GetResult();

    /// <summary>(caption, labels) of every row in key order, one row group at a time.</summary>
    public IEnumerable<(string Caption, string? Labels)> Captions()
    {
        foreach (var blob in Sync(Store.ListAsync(T2I.Core.Data.BucketLayout.ResolutionPrefix(Manifest.Resolution))))
        {
            if (BucketLayout.Parse(blob.Key) is null) continue;
            long[] groups;
            using (var s = SeekableStream.OpenAsync(Store, blob.Key).GetAwaiter().GetResult())
                groups = BucketShardFile.RowGroupSizesAsync(s).GetAwaiter().GetResult();
            for (int g = 0; g < groups.Length; g++)
            {
                IList<BucketRow> rows;
                using (var s = SeekableStream.OpenAsync(Store, blob.Key).GetAwaiter().GetResult())
                    rows = BucketShardFile.ReadAsync(s, g).GetAwaiter().GetResult();
                foreach (var row in rows) yield return (row.Caption, row.Labels);
            }
        }
    }

    /// <summary>A reader batch as DiT input: latents [n, C, h, w] normalised, on <paramref name="device"/>. Draws nothing
    /// random (it runs on the prefetch thread).</summary>
    public DitBatch ToBatch(BucketBatch batch, LatentNormalization stats, Device device)
    {
        int c = Manifest.Channels, f = Manifest.Factor, n = batch.Rows.Count;
        long h = batch.Bucket.Height / f, w = batch.Bucket.Width / f, per = c * h * w;
        var values = new float[n * per];
        for (int i = 0; i < n; i++)
        {
            var bytes = batch.Rows[i].Image;
            if (bytes.Length != per * LatentStorage.BytesPerValue(Manifest.Dtype))
                throw new InvalidDataException($"{Store.Location}: row '{batch.Rows[i].Key}' holds {bytes.Length} bytes, not a " +
                    $"[{c}, {h}, {w}] {Manifest.Dtype} latent.");
            LatentStorage.Decode(bytes, Manifest.Dtype, values.AsSpan((int)(i * per), (int)per));
        }
        using var scope = NewDisposeScope();
        var z = stats.Normalize(tensor(values, new long[] { n, c, h, w })).to(device);
        return new DitBatch(z.MoveToOuterDisposeScope(), batch.Rows.Select(r => r.Caption).ToList(),
            batch.Rows.Select(r => DitBatch.ShortCaption(r.Labels)).ToList());
    }

    private static IEnumerable<T> Sync<T>(IAsyncEnumerable<T> items)
    {
        var e = items.GetAsyncEnumerator();
        try { while (e.MoveNextAsync().AsTask().GetAwaiter().GetResult()) yield return e.Current; }
        finally { e.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }
}
