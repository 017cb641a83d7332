using System.Text.Json;
using T2I.Core.Data;

namespace T2I.Core.Ingest;

/// <summary>What passed the metadata filters: all the image stage needs, and the bytes whose sha256 is the dedup key.</summary>
public sealed record ScreenedSample(LaionRecord Meta, string Caption, string? Labels, byte[] Image);

/// <summary>
/// The per-sample path, free of shared state so it runs on every core: metadata filters first (cheap:
/// <see cref="Screen"/>), then deduplication (decided outside, by hash partition, for samples that passed the
/// screen), then the image header (bomb guard, size, aspect) before any decoding, then decode once at the smallest
/// sufficient scale and fit into the nearest bucket of each base resolution. Dedup before decoding means a copy of
/// an image is never decoded, and its outcome cannot differ from the first copy's (same bytes, same result).
/// </summary>
public sealed class SampleProcessor(FilterConfig config, DomainBlocklist blocklist, IReadOnlyList<int> resolutions)
{
    public IReadOnlyList<int> Resolutions => resolutions;

    /// <summary>The metadata filters: a drop reason, or the sample that goes on to dedup and the image stage.</summary>
    public (string? DropReason, ScreenedSample? Sample) Screen(WebDatasetSample sample, LaionRecord? parquetRow)
    {
        if (sample.Problem is not null) return (sample.Problem, null);

        LaionRecord meta;
        string? labels = null;
        if (sample.Json is { } json)
        {
            try
            {
                meta = LaionColumns.MapJson(json);
                labels = Labels(json);
            }
            catch (JsonException) { return (DropReasons.BadJson, null); }
            meta = meta.FillFrom(parquetRow);
        }
        else meta = parquetRow ?? new LaionRecord();

        if (config.RequireSuccessStatus && meta.Status is { } status && !status.Equals("success", StringComparison.OrdinalIgnoreCase))
            return (DropReasons.StatusNotSuccess, null);
        if (sample.Image is not { Length: > 0 } bytes) return (DropReasons.MissingImage, null);

        string? reason;
        string? caption = sample.Caption is { } raw ? CaptionText.Decode(raw, out reason)
            : meta.Caption is { } text ? CaptionText.Check(text, out reason)
            : Missing(out reason);
        if (caption is null) return (reason!, null);
        if (CaptionText.LengthProblem(caption, config) is { } captionProblem) return (captionProblem, null);

        if (meta.PUnsafe > config.MaxPUnsafe || meta.NsfwLabel is { } label && config.DropNsfwLabels.Contains(label,
            StringComparer.OrdinalIgnoreCase))
            return (DropReasons.Nsfw, null);
        if (meta.PWatermark > config.MaxPWatermark) return (DropReasons.Watermark, null);
        if (meta.Aesthetic < config.MinAesthetic) return (DropReasons.LowAesthetic, null);
        if (blocklist.IsBlocked(meta.Url)) return (DropReasons.BlockedDomain, null);
        return (null, new ScreenedSample(meta, caption, labels, bytes));
    }

    /// <param name="duplicate">The dedup phase found an earlier copy of this sample's image.</param>
    public SampleOutcome Process(WebDatasetSample sample, LaionRecord? parquetRow, string sourceShard, bool duplicate = false)
    {
        string key = sample.Key;
        var (dropReason, screened) = Screen(sample, parquetRow);
        if (screened is null) return SampleOutcome.Dropped(key, dropReason!);
        if (duplicate) return SampleOutcome.Dropped(key, DropReasons.Duplicate);
        var (meta, caption, labels, bytes) = screened;

        try
        {
            var header = ImageCodec.ReadHeader(bytes);
            int w = header.Width, h = header.Height;
            if ((long)w * h > config.MaxPixels) return SampleOutcome.Dropped(key, DropReasons.TooManyPixels);
            if ((double)Math.Max(w, h) / Math.Max(1, Math.Min(w, h)) > config.MaxAspect) return SampleOutcome.Dropped(key,
                DropReasons.ExtremeAspect);
            var targets = resolutions.Where(r => Math.Min(w, h) >= (config.MinShortSide ?? r))
                .Select(r => (Resolution: r, Bucket: AspectBuckets.Nearest(r, w, h))).ToList();
            if (targets.Count == 0) return SampleOutcome.Dropped(key, DropReasons.TooSmall);

            var images = ImageCodec.FitAndEncode(bytes, targets.Select(t => t.Bucket).ToList(), config.EncodedFormat,
                config.JpegQuality, config.MaxPixels);
            var hash = Sha256Key.Of(bytes);
            string sha = hash.ToHex();
            var rows = new List<(int, BucketRow)>(targets.Count);
            for (int i = 0; i < targets.Count; i++)
            {
                var (res, bucket) = targets[i];
                rows.Add((res, new BucketRow
                {
                    Key = key, Caption = caption, Image = images[i], Width = bucket.Width, Height = bucket.Height,
                    OriginalWidth = w, OriginalHeight = h, Sha256 = sha, SourceShard = sourceShard, Url = meta.Url,
                    PUnsafe = meta.PUnsafe, PWatermark = meta.PWatermark, Aesthetic = meta.Aesthetic,
                    Similarity = meta.Similarity, Labels = labels,
                }));
            }
            return new SampleOutcome(key, null, hash, rows);
        }
        catch (InvalidImageException e)
        {
            return SampleOutcome.Dropped(key, e.Reason switch
            {
                "too_many_pixels" => DropReasons.TooManyPixels,
                "truncated_image" => DropReasons.TruncatedImage,
                "unsupported_format" => DropReasons.UnsupportedFormat,
                _ => DropReasons.Undecodable,
            });
        }
    }

    private static string? Missing(out string? reason)
    {
        reason = DropReasons.CaptionMissing;
        return null;
    }

    /// <summary>Evaluation labels of synthetic sets (<c>t2i_labels</c>), kept verbatim as json.</summary>
    private static string? Labels(byte[] json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty("t2i_labels", out var l) && l.ValueKind == JsonValueKind.Object ? l.GetRawText() : null;
    }
}
