using System.Diagnostics;
using T2I.Core.Data;
using T2I.Core.Latents;
using T2I.Core.Storage;
using static TorchSharp.torch;

namespace T2I.Training.Dit;

/// <summary>What one <see cref="LatentEncoder.Run"/> did.</summary>
public sealed record LatentEncodeSummary(int Inputs, int Encoded, int AlreadyDone, int OtherShards, long Rows, double Seconds)
{
    public double ImagesPerSecond => Seconds > 0 ? Rows / Seconds : 0;
}

/// <summary>
/// Encodes bucketed image shards to latent shards, one input shard at a time: its rows, row group by row group (memory
/// holds one group), are decoded, fitted to their training bucket and encoded; each bucket's latents go to
/// <c>res{R}/{bucket}/{stem}.parquet</c> (DataPrep's layout and row type, so the bucket reader streams them; the
/// <c>image</c> column holds the latent [C, h, w], little-endian, in the job's storage dtype: see
/// <see cref="LatentStorage"/>). A <c>done/{stem}.json</c> marker is written last,
/// so a killed run redoes only unfinished input shards, and their files come out byte-identical (idempotent).
/// </summary>
public static class LatentEncoder
{
    private const int EncodeChunk = 32;

    public static LatentEncodeSummary Run(LatentEncodeJob job, ILatentCodec codec, string codecIdentity, Device device,
        Action<string> log, CancellationToken ct = default) =>
        RunAsync(job, codec, codecIdentity, device, log, ct).GetAwaiter().GetResult();

    public static async Task<LatentEncodeSummary> RunAsync(LatentEncodeJob job, ILatentCodec codec, string codecIdentity, Device device,
        Action<string> log, CancellationToken ct = default)
    {
        job.Validate();
        var clock = Stopwatch.StartNew();
        var input = ShardRows.Store(job.Data);
        var output = BlobStores.Open(job.Output);
        var inputs = await ListInputsAsync(input, job.ShardResolution, ct);
        if (inputs.Count == 0) throw new InvalidDataException($"No bucketed shards under {input.Location}/res{job.ShardResolution}/ " +
            "(write them with `dataprep synth` + `dataprep ingest`).");
        var (channels, factor) = Probe(codec, device);
        var manifest = new LatentShardManifest(LatentShardManifest.CurrentFormat, codecIdentity, channels, factor, job.Dtype,
            input.Location, job.ShardResolution, job.Resolution, job.CaptionWord, job.MaxSamples, inputs.Count);
        await manifest.WriteOrCheckAsync(output, ct);
        int encoded = 0, done = 0, others = 0;
        long rows = 0, before = 0;
        foreach (var blob in inputs)
        {
            ct.ThrowIfCancellationRequested();
            string stem = LatentShardManifest.Stem(blob.Key);
            if (await LatentShardMarker.ReadAsync(output, stem, ct) is { } marker) { done++; before += marker.Rows; continue; }
            if (!job.Owns(blob.Key)) { others++; continue; }
            int budget = job.MaxSamples > 0 ? (int)Math.Max(0, job.MaxSamples - before - rows) : int.MaxValue;
            marker = await EncodeShardAsync(job, input, output, blob.Key, stem, budget, codec, channels, device, ct);
            encoded++;
            rows += marker.Rows;
            if (marker.NoImage + marker.Undecodable > 0)
                log($"latents: {blob.Key}: skipped {marker.NoImage} rows without image bytes, {marker.Undecodable} undecodable");
        }
        var summary = new LatentEncodeSummary(inputs.Count, encoded, done, others, rows, clock.Elapsed.TotalSeconds);
        log($"latents: {output.Location}: encoded {encoded} input shards ({rows} images, {summary.ImagesPerSecond:0.#} images/s), " +
            $"{done} already done, {others} left to other --shard-index processes");
        return summary;
    }

    /// <summary>The input shards of one resolution, ordered by key.</summary>
    public static async Task<List<BlobInfo>> ListInputsAsync(IBlobStore input, int shardResolution, CancellationToken ct = default)
    {
        var inputs = new List<BlobInfo>();
        await foreach (var blob in input.ListAsync(BucketLayout.ResolutionPrefix(shardResolution), ct))
            if (BucketLayout.Parse(blob.Key) is { } parsed && parsed.Resolution == shardResolution) inputs.Add(blob);
        inputs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return inputs;
    }

    /// <summary>Latent channels and downsampling factor, from encoding one blank 64-px image.</summary>
    private static (int Channels, int Factor) Probe(ILatentCodec codec, Device device)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var z = codec.Encode(zeros(1, 3, 64, 64, device: device));
        return ((int)z.shape[1], (int)(64 / z.shape[3]));
    }

    private static async Task<LatentShardMarker> EncodeShardAsync(LatentEncodeJob job, IBlobStore input, IBlobStore output, string key,
        string stem, int budget, ILatentCodec codec, int channels, Device device, CancellationToken ct)
    {
        var sum = new double[channels];
        var sumSq = new double[channels];
        long positions = 0;
        int kept = 0, noImage = 0, undecodable = 0, filtered = 0;
        string temp = Directory.CreateTempSubdirectory("t2i-latents-").FullName;
        var files = new SortedDictionary<string, (AspectBucket Bucket, FileStream Stream)>(StringComparer.Ordinal);
        try
        {
            long[] groups;
            await using (var s = await SeekableStream.OpenAsync(input, key, ct)) groups = await BucketShardFile.RowGroupSizesAsync(s, ct);
            for (int g = 0; g < groups.Length && kept < budget; g++)
            {
                IList<BucketRow> rows;
                await using (var s = await SeekableStream.OpenAsync(input, key, ct)) rows = await BucketShardFile.ReadAsync(s, g, ct);
                var selected = new List<BucketRow>();
                foreach (var row in rows)
                {
                    if (row.Image.Length == 0) noImage++;
                    else if (job.CaptionWord.Length > 0 && !ShardRows.HasWord(row.Caption, job.CaptionWord)) filtered++;
                    else if (kept + selected.Count < budget) selected.Add(row);
                }
                kept += selected.Count;
                foreach (var bucketRows in selected.GroupBy(r => AspectBuckets.Nearest(job.Resolution, r.Width, r.Height))
                    .OrderBy(b => b.Key.Name, StringComparer.Ordinal))
                {
                    var latentRows = new List<BucketRow>();
                    foreach (var chunk in bucketRows.Chunk(EncodeChunk))
                        undecodable += Encode(chunk, bucketRows.Key, codec, job.Dtype, device, latentRows, sum, sumSq, ref positions);
                    if (latentRows.Count == 0) continue;
                    if (!files.TryGetValue(bucketRows.Key.Name, out var file))
                        files[bucketRows.Key.Name] = file = (bucketRows.Key, File.Create(Path.Combine(temp, bucketRows.Key.Name)));
                    await BucketShardFile.AppendRowGroupAsync(file.Stream, latentRows, ct);
                }
            }
            kept -= undecodable;
            foreach (var (_, (bucket, stream)) in files)
            {
                stream.Position = 0;
                await output.WriteAsync(BucketLayout.ShardKey(job.Resolution, bucket, stem), stream, ct);
            }
        }
        finally
        {
            foreach (var (_, (_, stream)) in files) await stream.DisposeAsync();
            Directory.Delete(temp, recursive: true);
        }
        var marker = new LatentShardMarker(key, kept, noImage, undecodable, filtered, sum, sumSq, positions);
        await marker.WriteAsync(output, stem, ct); // last: the shard counts as done only with all its files written
        return marker;
    }

    /// <summary>Encodes one chunk of a bucket's rows into latent rows; returns how many images did not decode.</summary>
    private static int Encode(BucketRow[] chunk, AspectBucket bucket, ILatentCodec codec, string dtype, Device device,
        List<BucketRow> into, double[] sum, double[] sumSq, ref long positions)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var images = new List<Tensor>();
        var rows = new List<BucketRow>();
        foreach (var row in chunk)
        {
            if (ShardRows.ToTensor(row, bucket) is not { } image) continue;
            images.Add(image);
            rows.Add(row);
        }
        if (images.Count == 0) return chunk.Length;
        var z = LatentStorage.Round(codec.Encode(stack(images).to(device)).cpu(), dtype).contiguous();
        var flat = z.to_type(ScalarType.Float64).transpose(0, 1).reshape(z.shape[1], -1);
        var s = flat.sum(1).data<double>().ToArray();
        var q = flat.square().sum(1).data<double>().ToArray();
        for (int c = 0; c < s.Length; c++) { sum[c] += s[c]; sumSq[c] += q[c]; }
        positions += flat.shape[1];
        var values = z.data<float>().ToArray();
        int per = values.Length / rows.Count;
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            into.Add(new BucketRow
            {
                Key = r.Key, Caption = r.Caption, Image = LatentStorage.Encode(values.AsSpan(i * per, per), dtype),
                Width = bucket.Width, Height = bucket.Height, OriginalWidth = r.OriginalWidth, OriginalHeight = r.OriginalHeight,
                Sha256 = r.Sha256, SourceShard = r.SourceShard, Url = r.Url, PUnsafe = r.PUnsafe, PWatermark = r.PWatermark,
                Aesthetic = r.Aesthetic, Similarity = r.Similarity, Labels = r.Labels,
            });
        }
        return chunk.Length - rows.Count;
    }
}
