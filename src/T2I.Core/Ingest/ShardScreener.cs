using System.Text.Json;
using T2I.Core.Data;
using T2I.Core.Storage;

namespace T2I.Core.Ingest;

/// <summary>What screening one shard found (the <c>_screened/{shard}.json</c> marker).</summary>
public sealed record ScreenRecord(string Input, long Samples, long Screened);

/// <summary>
/// Phase 1 of ingestion, per input shard: reads the tar, applies the metadata filters (no image decoding) and
/// writes the sha256 and row of every sample that passed into one file per hash partition, then the shard's
/// marker. Cheap next to phase 3 (hashing, no decode/resize); every file depends only on the shard's bytes, so a
/// crashed or repeated screen rewrites the same bytes.
/// </summary>
public sealed class ShardScreener(SampleProcessor processor, FilterConfig config, int workers, int partitions)
{
    public async Task<ScreenRecord> ScreenAsync(IBlobStore input, InputShard shard, IBlobStore output, CancellationToken ct)
    {
        string marker = IngestLayout.ScreenedKey(shard.Name);
        if (await Output(output, "reading a screen marker", () => output.ExistsAsync(marker, ct)))
            return await ReadAsync(output, shard.Name, ct);

        var (metadata, _) = await ShardMetadata.LoadAsync(input, shard.TarKey[..^".tar".Length] + ".parquet", ct);
        var parts = Enumerable.Range(0, partitions).Select(_ => new List<HashRow>()).ToArray();
        long samples = 0, screened = 0;
        await using (var tar = await InputStream.OpenAsync(input, shard.TarKey, ct, blockSize: 4 << 20))
        {
            var reader = new WebDatasetShardReader(tar, config.MaxImageBytes);
            var hashes = OrderedParallel.SelectAsync(reader.ReadSamples(), s => HashOf(s, metadata.GetValueOrDefault(s.Key)),
                workers, Math.Max(4, workers * 4), ct);
            await foreach (var hash in hashes)
            {
                int row = checked((int)samples++);
                if (hash is not { } h) continue;
                screened++;
                parts[IngestLayout.PartitionOf(h, partitions)].Add(new HashRow(h, row));
            }
        }
        var record = new ScreenRecord(shard.TarKey, samples, screened);
        await Output(output, $"writing the screen of shard {shard.Name}", async () =>
        {
            for (int p = 0; p < partitions; p++)
                await output.WriteAsync(IngestLayout.ScreenKey(p, shard.Name), new MemoryStream(HashRows.Encode(parts[p])), ct);
            await output.TryCreateAsync(marker, new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(record)), ct);
        });
        return record;
    }

    public static async Task<ScreenRecord> ReadAsync(IBlobStore output, string shard, CancellationToken ct)
    {
        await using var s = await output.OpenReadAsync(IngestLayout.ScreenedKey(shard), ct);
        return await JsonSerializer.DeserializeAsync<ScreenRecord>(s, cancellationToken: ct)
            ?? throw new InvalidDataException($"{output.Location}/{IngestLayout.ScreenedKey(shard)} is empty.");
    }

    /// <summary>The dedup key of a sample that passes the metadata filters; null for one that does not.</summary>
    private Sha256Key? HashOf(WebDatasetSample s, LaionRecord? meta)
    {
        try { return processor.Screen(s, meta).Sample is { } ok ? Sha256Key.Of(ok.Image) : null; }
        catch (Exception e) when (e is not OperationCanceledException) { return null; } // phase 3 counts it as processing_error
    }

    private static Task<T> Output<T>(IBlobStore output, string operation, Func<Task<T>> step) =>
        StoreUnavailableException.Guard("output", output, operation, step);

    private static Task Output(IBlobStore output, string operation, Func<Task> step) =>
        StoreUnavailableException.Guard("output", output, operation, step);
}
