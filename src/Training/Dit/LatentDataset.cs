using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using T2I.Core.Checkpoints;
using T2I.Core.Data;
using T2I.Core.Inference;
using T2I.Core.Storage;
using static TorchSharp.torch;

namespace T2I.Training.Dit;

/// <summary>Latents and captions of one aspect bucket: latents [n, 32, h, w] on the CPU.</summary>
public sealed record LatentBucket(AspectBucket Bucket, Tensor Latents, IReadOnlyList<string> Captions);

/// <summary>
/// A dataset encoded to latents once and cached on disk (<c>latent-cache/&lt;hash&gt;.safetensors</c>), so epochs
/// after the first — and resumed runs — never touch pixels again. Source: the synthetic shapes or dataprep's
/// bucketed shards.
/// </summary>
public static class LatentDataset
{
    public static IReadOnlyList<LatentBucket> Load(DitTrainConfig config, ILatentCodec codec, string codecIdentity, Device device, string cacheDir, Action<string> log)
    {
        // The codec's identity (kind + weights hash) is part of the key: another tokenizer checkpoint never reuses these latents.
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{config.Data}|{config.Resolution}|{config.SyntheticSamples}|{codecIdentity}|{codec.LatentChannels}")))[..16].ToLowerInvariant();
        string path = Path.Combine(cacheDir, $"{key}.safetensors");
        if (File.Exists(path))
        {
            log($"latents: cache hit {path}");
            return Read(path);
        }
        var samples = config.Data == "synthetic" ? Synthetic(config) : Shards(config, log);
        var buckets = samples.GroupBy(s => s.Bucket).OrderBy(g => g.Key.Name, StringComparer.Ordinal).Select(g =>
        {
            var items = g.ToList();
            var latents = cat(items.Chunk(32).Select(chunk =>
            {
                using var scope = NewDisposeScope();
                var images = stack(chunk.Select(c => c.Image()).ToArray());
                return codec.Encode(images.to(device)).cpu().MoveToOuterDisposeScope();
            }).ToArray()).DetachFromDisposeScope();
            return new LatentBucket(g.Key, latents, items.Select(i => i.Caption).ToList());
        }).ToList();
        Directory.CreateDirectory(cacheDir);
        Write(path, buckets);
        log($"latents: encoded {samples.Count} images in {buckets.Count} buckets → {path}");
        return buckets;
    }

    private sealed record Pending(AspectBucket Bucket, string Caption, Func<Tensor> Image);

    private static List<Pending> Synthetic(DitTrainConfig config) =>
        SyntheticShapes.Make(config.SyntheticSamples, config.Resolution, seed: 2024).Select(s => new Pending(s.Bucket, s.Caption, () =>
        {
            using var bitmap = SyntheticShapes.Render(s);
            return ImageTensor.FromBitmap(bitmap);
        })).ToList();

    /// <summary>All rows of the resolution's bucketed shards (one pass of dataprep's reader).</summary>
    private static List<Pending> Shards(DitTrainConfig config, Action<string> log)
    {
        if (!Directory.Exists(config.Data))
            throw new DirectoryNotFoundException($"data '{config.Data}' is neither 'synthetic' nor a folder of bucketed shards.");
        var store = new LocalBlobStore(config.Data);
        var reader = BucketBatchReader.OpenAsync(store, config.Resolution, new BucketBatchOptions(64, 0, DropLast: false)).GetAwaiter().GetResult();
        var rows = new List<Pending>();
        int skipped = 0;
        var enumerator = reader.ReadAsync(BucketReaderPosition.Start, epochs: 1).GetAsyncEnumerator();
        try
        {
            while (enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                foreach (var row in enumerator.Current.Rows)
                {
                    if (row.Image.Length == 0) { skipped++; continue; }
                    var bucket = enumerator.Current.Bucket;
                    rows.Add(new Pending(bucket, row.Caption, () =>
                    {
                        using var bitmap = ImageCodec.Decode(row.Image);
                        using var fitted = bitmap.Width == bucket.Width && bitmap.Height == bucket.Height ? null : ImageCodec.FitToBucket(bitmap, bucket);
                        return ImageTensor.FromBitmap(fitted ?? bitmap);
                    }));
                }
        }
        finally { enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        if (skipped > 0) log($"latents: skipped {skipped} rows without image bytes");
        log($"latents: {rows.Count} rows from {reader.Buckets.Count} buckets under {config.Data}");
        return rows;
    }

    private static void Write(string path, IReadOnlyList<LatentBucket> buckets)
    {
        var tensors = buckets.ToDictionary(b => $"{b.Bucket.Name}.latents", b => b.Latents);
        var captions = buckets.ToDictionary(b => b.Bucket.Name, b => b.Captions);
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["captions"] = JsonSerializer.Serialize(captions) });
    }

    private static IReadOnlyList<LatentBucket> Read(string path)
    {
        var meta = SafeTensors.ReadMetadata(path);
        var captions = JsonSerializer.Deserialize<Dictionary<string, List<string>>>(meta["captions"])
            ?? throw new InvalidDataException($"latent cache {path} lacks captions.");
        var tensors = SafeTensors.Load(path);
        return captions.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new LatentBucket(AspectBucket.Parse(kv.Key), tensors[$"{kv.Key}.latents"], kv.Value)).ToList();
    }
}
