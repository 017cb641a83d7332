using System.Diagnostics;
using T2I.Core.Data;
using T2I.DataPrep.Ingest;

namespace T2I.DataPrep.Bench;

/// <summary>Our resize path, timed on the same files and target sizes that <see cref="VipsThumbnail"/> gets.</summary>
internal static class Throughput
{
    /// <summary>Images/s, mean output bytes and the chroma subsampling of the encoded output.</summary>
    /// <summary>Images per wall second and per CPU second (all our threads, GC included).</summary>
    public sealed record Result(double ImagesPerSecond, double ImagesPerCpuSecond, double MeanOutputBytes, string Chroma);

    /// <summary>
    /// The real per-sample path: caption and metadata filters, header checks, sha256, decode at the smallest
    /// JPEG DCT scale that still covers the bucket, fit (scale + centre crop), JPEG Q92 4:2:0.
    /// </summary>
    public static Result Production(IReadOnlyList<string> files, int resolution, int workers)
    {
        var processor = new SampleProcessor(new FilterConfig { Dedup = false }, new DomainBlocklist([]), [resolution]);
        var caption = "a photo of a benchmark scene"u8.ToArray();
        return Time(files, workers, f =>
        {
            var sample = new WebDatasetSample(Path.GetFileNameWithoutExtension(f), File.ReadAllBytes(f), "jpg", caption, null, null);
            var outcome = processor.Process(sample, null, "bench");
            if (outcome.DropReason is not null) throw new InvalidOperationException($"{f} was dropped: {outcome.DropReason}");
            return outcome.Rows[0].Row.Image;
        });
    }

    /// <summary>
    /// The same steps with libvips' shrink-on-load choice instead of ours: vips decodes a JPEG at 1/2, 1/4 or
    /// 1/8 only while at least twice the target size remains (shrink ≥ 4, 8, 16), where we go down to the
    /// smallest of libjpeg's eighths that still covers the target. Isolates how much of the gap is that choice.
    /// </summary>
    public static Result WithVipsShrink(IReadOnlyList<string> files, int resolution)
    {
        return Time(files, 1, f =>
        {
            var bytes = File.ReadAllBytes(f);
            var h = ImageCodec.ReadHeader(bytes);
            var bucket = AspectBuckets.Nearest(resolution, h.Width, h.Height);
            int factor = VipsJpegShrink(h.Width, h.Height, bucket);
            using var decoded = ImageCodec.DecodeAtLeast(bytes, (h.Width + factor - 1) / factor, (h.Height + factor - 1) / factor);
            _ = Sha256Key.Of(bytes);
            using var fitted = ImageCodec.FitToBucket(decoded, bucket);
            return ImageCodec.EncodeJpeg(fitted, 92);
        });
    }

    /// <summary>libvips 8.14 thumbnail: pre-shrink 8/4/2 when the cover shrink is at least 16/8/4, else 1.</summary>
    internal static int VipsJpegShrink(int width, int height, AspectBucket bucket)
    {
        double shrink = Math.Min((double)width / bucket.Width, (double)height / bucket.Height);
        return shrink >= 16 ? 8 : shrink >= 8 ? 4 : shrink >= 4 ? 2 : 1;
    }

    private static Result Time(IReadOnlyList<string> files, int workers, Func<string, byte[]> one)
    {
        void Run(IReadOnlyList<string> batch, long[]? sizes) => Parallel.For(0, batch.Count, new ParallelOptions { MaxDegreeOfParallelism = workers }, i =>
        {
            var output = one(batch[i]);
            if (sizes is not null) sizes[i] = output.Length;
        });
        Run(files.Take(Math.Min(8, files.Count)).ToList(), null); // warm-up: JIT and codec tables
        var sizes = new long[files.Count];
        var cpu = CpuClock.Self();
        var sw = Stopwatch.StartNew();
        Run(files, sizes);
        double rate = files.Count / sw.Elapsed.TotalSeconds, perCpu = files.Count / (CpuClock.Self() - cpu).TotalSeconds;
        return new Result(rate, perCpu, sizes.Average(), JpegInfo.Chroma(one(files[0])));
    }
}
