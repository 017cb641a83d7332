using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using T2I.Core.Checkpoints;
using T2I.Core.Data;
using T2I.Core.Storage;
using static TorchSharp.torch;
using T2I.Core.Latents;

namespace T2I.Training.Dit;

/// <summary>
/// Latents, captions and labels (the rows' json labels, null when a row has none) of one aspect bucket;
/// latents [n, C, h, w] on the CPU.
/// </summary>
public sealed record LatentBucket(AspectBucket Bucket, Tensor Latents, IReadOnlyList<string> Captions, IReadOnlyList<string?> Labels);

/// <summary>
/// DataPrep's bucketed shards encoded to latents once and cached on disk (<c>latent-cache/&lt;key&gt;.safetensors</c>),
/// so epochs after the first — and resumed runs — never touch pixels again. The key covers the data (folder,
/// shard resolution, row count), the training resolution, the sample limit and the codec's identity (kind +
/// weights hash): another tokenizer checkpoint never reuses these latents.
/// </summary>
public static class LatentDataset
{
    public static IReadOnlyList<LatentBucket> Load(DitTrainConfig config, ILatentCodec codec, string codecIdentity, Device device,
        string cacheDir, Action<string> log)
    {
        var reader = ShardRows.Open(config.Data, config.ShardResolution);
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{Path.GetFullPath(config.Data)}|{config.ShardResolution}|{reader.Rows}|{config.Resolution}|{config.MaxSamples}|" +
            $"{config.CaptionWord}|{codecIdentity}|{codec.LatentChannels}")))[..16].ToLowerInvariant();
        string path = Path.Combine(cacheDir, $"{key}.safetensors");
        if (File.Exists(path))
        {
            log($"latents: cache hit {path}");
            return Read(path);
        }
        int skipped = 0;
        var rows = ShardRows.Read(reader, config.CaptionWord.Length > 0 ? 0 : config.MaxSamples, ref skipped);
        if (skipped > 0) log($"latents: skipped {skipped} rows without image bytes");
        if (config.CaptionWord.Length > 0)
        {
            int before = rows.Count;
            rows = rows.Where(r => HasWord(r.Caption, config.CaptionWord)).Take(config.MaxSamples > 0 ? config.MaxSamples
                : int.MaxValue).ToList();
            log($"latents: kept {rows.Count} of {before} rows whose caption holds '{config.CaptionWord}'");
        }
        int undecodable = 0;
        var buckets = rows.GroupBy(r => AspectBuckets.Nearest(config.Resolution, r.Width, r.Height))
            .OrderBy(g => g.Key.Name, StringComparer.Ordinal).Select(g =>
            {
                var kept = new List<BucketRow>();
                var parts = new List<Tensor>();
                foreach (var chunk in g.Chunk(32))
                {
                    using var scope = NewDisposeScope();
                    var images = new List<Tensor>();
                    foreach (var row in chunk)
                    {
                        if (ToTensor(row, g.Key) is not { } image) { undecodable++; continue; }
                        images.Add(image);
                        kept.Add(row);
                    }
                    if (images.Count > 0) parts.Add(codec.Encode(stack(images).to(device)).cpu().MoveToOuterDisposeScope());
                }
                return new LatentBucket(g.Key, cat(parts).DetachFromDisposeScope(), kept.Select(i => i.Caption).ToList(),
                    kept.Select(i => i.Labels).ToList());
            }).Where(b => b.Captions.Count > 0).ToList();
        if (undecodable > 0) log($"latents: skipped {undecodable} undecodable images");
        if (buckets.Count == 0) throw new InvalidDataException($"No decodable images under {config.Data} res{config.ShardResolution}.");
        Directory.CreateDirectory(cacheDir);
        Write(path, buckets);
        log($"latents: encoded {buckets.Sum(b => b.Captions.Count)} images from {config.Data} into {buckets.Count} " +
            $"res{config.Resolution} buckets → {path}");
        foreach (var b in buckets) b.Latents.Dispose();
        return Read(path); // a fresh run and a resumed one then start from the very same tensors

    }

    public static bool HasWord(string caption, string word) =>
        caption.Split([' ', ',', '.', ';', ':', '!', '?'], StringSplitOptions.RemoveEmptyEntries)
            .Any(w => string.Equals(w, word, StringComparison.OrdinalIgnoreCase));

    /// <summary>A shard image resized to cover the training bucket and centre-cropped (DataPrep's own fit).</summary>
    internal static Tensor? ToTensor(BucketRow row, AspectBucket bucket)
    {
        SkiaSharp.SKBitmap bitmap;
        try { bitmap = ImageCodec.Decode(row.Image); }
        catch (InvalidImageException) { return null; }
        using var owned = bitmap;
        using var fitted = bitmap.Width == bucket.Width && bitmap.Height == bucket.Height ? null : ImageCodec.FitToBucket(bitmap, bucket);
        return ImageTensor.FromBitmap(fitted ?? bitmap);
    }

    private static void Write(string path, IReadOnlyList<LatentBucket> buckets)
    {
        var tensors = buckets.ToDictionary(b => $"{b.Bucket.Name}.latents", b => b.Latents);
        var captions = buckets.ToDictionary(b => b.Bucket.Name, b => b.Captions);
        var labels = buckets.ToDictionary(b => b.Bucket.Name, b => b.Labels);
        SafeTensors.Save(path, tensors, new Dictionary<string, string>
        {
            ["captions"] = JsonSerializer.Serialize(captions), ["labels"] = JsonSerializer.Serialize(labels),
        });
    }

    private static IReadOnlyList<LatentBucket> Read(string path)
    {
        var meta = SafeTensors.ReadMetadata(path);
        var captions = JsonSerializer.Deserialize<Dictionary<string, List<string>>>(meta["captions"])
            ?? throw new InvalidDataException($"latent cache {path} lacks captions.");
        var labels = meta.TryGetValue("labels", out var l) ? JsonSerializer.Deserialize<Dictionary<string, List<string?>>>(l) : null;
        var tensors = SafeTensors.Load(path);
        return captions.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new LatentBucket(AspectBucket.Parse(kv.Key),
            tensors[$"{kv.Key}.latents"], kv.Value, labels?.GetValueOrDefault(kv.Key) ?? kv.Value.Select(_ =>
                (string?)null).ToList())).ToList();
    }
}

/// <summary>One ordered pass over a resolution's bucketed shards (the reader's epoch-0 plan, seed 0).</summary>
public static class ShardRows
{
    public static BucketBatchReader Open(string data, int shardResolution)
    {
        if (!Directory.Exists(data))
            throw new DirectoryNotFoundException($"data '{data}' is not a folder of bucketed shards (write one with `dataprep " +
                $"synth` + `dataprep ingest`).");
        return BucketBatchReader.OpenAsync(new LocalBlobStore(data), shardResolution, new BucketBatchOptions(64, 0,
            DropLast: false)).GetAwaiter().GetResult();
    }

    /// <summary>Up to <paramref name="max"/> rows (0 = all) with image bytes; rows without are counted in <paramref
    /// name="skipped"/>.</summary>
    public static List<BucketRow> Read(BucketBatchReader reader, int max, ref int skipped)
    {
        var rows = new List<BucketRow>();
        var enumerator = reader.ReadAsync(BucketReaderPosition.Start, epochs: 1).GetAsyncEnumerator();
        try
        {
            while ((max <= 0 || rows.Count < max) && enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                foreach (var row in enumerator.Current.Rows)
                {
                    if (max > 0 && rows.Count >= max) break;
                    if (row.Image.Length == 0) { skipped++; continue; }
                    rows.Add(row);
                }
        }
        finally { enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        return rows;
    }
}
