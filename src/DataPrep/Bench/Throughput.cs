using System.Diagnostics;
using T2I.Core.Data;
using T2I.Core.Ingest;

namespace T2I.DataPrep.Bench;

/// <summary>Our resize path and in-process libvips, timed the same way on the same files and target sizes.</summary>
internal static class Throughput
{
    /// <summary>
    /// Images per wall second and per CPU second (all of this process's threads, GC included), mean output
    /// bytes, the output's chroma subsampling, and how many outputs are not exactly at their bucket size.
    /// </summary>
    public sealed record Result(double ImagesPerSecond, double ImagesPerCpuSecond, double MeanOutputBytes, string Chroma, int WrongSize);

    /// <summary>
    /// The real per-sample path: caption and metadata filters, header checks, decode at the smallest JPEG DCT
    /// scale that still covers the bucket, fit (scale + centre crop), JPEG Q92 4:2:0, sha256.
    /// </summary>
    public static Result Production(IReadOnlyList<string> files, int resolution, int workers)
    {
        var processor = new SampleProcessor(new FilterConfig { Dedup = false }, new DomainBlocklist([]), [resolution]);
        var caption = "a photo of a benchmark scene"u8.ToArray();
        return Time(files, resolution, workers, f =>
        {
            var sample = new WebDatasetSample(Path.GetFileNameWithoutExtension(f), File.ReadAllBytes(f), "jpg", caption, null, null);
            var outcome = processor.Process(sample, null, "bench");
            if (outcome.DropReason is not null) throw new InvalidOperationException($"{f} was dropped: {outcome.DropReason}");
            return outcome.Rows[0].Row.Image;
        });
    }

    /// <summary>libvips in this process (<see cref="VipsInProcess"/>); null when it is not installed.</summary>
    public static Result? LibVips(IReadOnlyList<string> files, int resolution)
    {
        if (!VipsInProcess.Available) return null;
        return Time(files, resolution, 1, f =>
        {
            var bytes = File.ReadAllBytes(f);
            var h = ImageCodec.ReadHeader(bytes);
            return VipsInProcess.Thumbnail(bytes, AspectBuckets.Nearest(resolution, h.Width, h.Height), 92);
        });
    }

    private static Result Time(IReadOnlyList<string> files, int resolution, int workers, Func<string, byte[]> one)
    {
        void Run(IReadOnlyList<string> batch, byte[][] outputs) =>
            Parallel.For(0, batch.Count, new ParallelOptions { MaxDegreeOfParallelism = workers }, i => outputs[i] = one(batch[i]));
        // Warm-up: enough calls for the JIT to tier up the hot loops, codec tables, page cache.
        var warmUp = Enumerable.Range(0, 40).Select(i => files[i % files.Count]).ToList();
        Run(warmUp, new byte[warmUp.Count][]);
        var outputs = new byte[files.Count][];
        var cpu = CpuClock.Self();
        var sw = Stopwatch.StartNew();
        Run(files, outputs);
        double rate = files.Count / sw.Elapsed.TotalSeconds, perCpu = files.Count / (CpuClock.Self() - cpu).TotalSeconds;

        int wrong = 0;
        for (int i = 0; i < files.Count; i++)
        {
            var source = ImageCodec.ReadHeader(File.ReadAllBytes(files[i]));
            var output = ImageCodec.ReadHeader(outputs[i]);
            if (AspectBuckets.Nearest(resolution, source.Width, source.Height) != new AspectBucket(output.Width, output.Height)) wrong++;
        }
        return new Result(rate, perCpu, outputs.Average(o => o.Length), JpegInfo.Chroma(outputs[0]), wrong);
    }
}
