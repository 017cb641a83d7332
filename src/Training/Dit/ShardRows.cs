using T2I.Core.Data;
using T2I.Core.Storage;
using static TorchSharp.torch;

namespace T2I.Training.Dit;

/// <summary>DataPrep's bucketed image shards as the DiT tools read them: local or s3://, rows, captions, pixels.</summary>
public static class ShardRows
{
    /// <summary>A store over <paramref name="data"/>; a local path must be an existing folder.</summary>
    public static IBlobStore Store(string data)
    {
        if (!data.StartsWith("s3://", StringComparison.OrdinalIgnoreCase) && !data.StartsWith("file://",
            StringComparison.OrdinalIgnoreCase) && !Directory.Exists(data))
            throw new DirectoryNotFoundException($"data '{data}' is not a folder of bucketed shards (write one with `dataprep " +
                $"synth` + `dataprep ingest`).");
        return BlobStores.Open(data);
    }

    public static BucketBatchReader Open(string data, int shardResolution) =>
        BucketBatchReader.OpenAsync(Store(data), shardResolution, new BucketBatchOptions(64, 0, DropLast: false))
            .GetAwaiter().GetResult();

    /// <summary>Up to <paramref name="max"/> rows (0 = all) with image bytes, in the reader's epoch-0 order; rows without
    /// are counted in <paramref name="skipped"/>.</summary>
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

    public static bool HasWord(string caption, string word) =>
        caption.Split([' ', ',', '.', ';', ':', '!', '?'], StringSplitOptions.RemoveEmptyEntries)
            .Any(w => string.Equals(w, word, StringComparison.OrdinalIgnoreCase));

    /// <summary>A shard image resized to cover the training bucket and centre-cropped (DataPrep's own fit); null when
    /// it does not decode.</summary>
    public static Tensor? ToTensor(BucketRow row, AspectBucket bucket)
    {
        SkiaSharp.SKBitmap bitmap;
        try { bitmap = ImageCodec.Decode(row.Image); }
        catch (InvalidImageException) { return null; }
        using var owned = bitmap;
        using var fitted = bitmap.Width == bucket.Width && bitmap.Height == bucket.Height ? null : ImageCodec.FitToBucket(bitmap, bucket);
        return ImageTensor.FromBitmap(fitted ?? bitmap);
    }
}
