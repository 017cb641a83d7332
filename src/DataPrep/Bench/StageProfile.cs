using System.Runtime.InteropServices;
using T2I.Core.Data;
using T2I.Core.Ingest;

namespace T2I.DataPrep.Bench;

/// <summary>
/// Where the production path spends its time: the steps of <see cref="SampleProcessor"/> run one by one on one
/// thread, each timed by that thread's CPU clock (so neighbours on a shared machine do not count), plus the
/// Parquet write of the resulting rows. Milliseconds of CPU per image.
/// </summary>
internal static class StageProfile
{
    public sealed record Stage(string Name, double CpuMsPerImage);

    public static IReadOnlyList<Stage> Run(IReadOnlyList<string> files, int resolution, int quality)
    {
        var config = new FilterConfig { Dedup = false };
        var names = new[] { "read file", "caption + header + bucket", "decode (DCT-scaled)", "resize + crop", "encode JPEG",
            "sha256", "parquet write" };
        var ms = new double[names.Length];
        var rows = new List<BucketRow>(files.Count);
        var caption = "a photo of a benchmark scene"u8.ToArray();
        foreach (var pass in new[] { files.Take(Math.Min(8, files.Count)).ToList(), files }) // first pass: warm-up
        {
            Array.Clear(ms);
            rows.Clear();
            foreach (var f in pass)
            {
                var clock = new Lap(ms);
                var bytes = File.ReadAllBytes(f);
                clock.Next(0);
                var text = CaptionText.Decode(caption, out _) ?? throw new InvalidOperationException("caption");
                _ = CaptionText.LengthProblem(text, config);
                var header = ImageCodec.ReadHeader(bytes);
                var bucket = AspectBuckets.Nearest(resolution, header.Width, header.Height);
                clock.Next(1);
                var encoded = ImageCodec.FitAndEncode(bytes, [bucket], config.EncodedFormat, quality, config.MaxPixels,
                    stage => clock.Next(2 + (int)stage))[0];
                string sha = Sha256Key.Of(bytes).ToHex();
                clock.Next(5);
                rows.Add(new BucketRow
                {
                    Key = Path.GetFileNameWithoutExtension(f), Caption = text, Image = encoded,
                    Width = bucket.Width, Height = bucket.Height, OriginalWidth = header.Width, OriginalHeight = header.Height,
                    Sha256 = sha, SourceShard = "bench"
                });
            }
            var parquet = new Lap(ms);
            foreach (var group in rows.GroupBy(r => (r.Width, r.Height)))
            {
                using var file = new MemoryStream();
                BucketShardFile.AppendRowGroupAsync(file, group.ToList()).GetAwaiter().GetResult();
            }
            parquet.Next(6);
        }
        return names.Select((n, i) => new Stage(n, ms[i] / files.Count)).ToList();
    }

    /// <summary>Adds the thread CPU time since the last lap to one stage's total.</summary>
    private sealed class Lap(double[] totals)
    {
        private double _last = ThreadCpuMs();

        public void Next(int stage)
        {
            double now = ThreadCpuMs();
            totals[stage] += now - _last;
            _last = now;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds, Nanoseconds; }

    private const int ClockThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    private static double ThreadCpuMs() =>
        clock_gettime(ClockThreadCpuTime, out var t) == 0 ? t.Seconds * 1e3 + t.Nanoseconds / 1e6 : Environment.TickCount64;

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for this one call
    [DllImport("libc")]
    private static extern int clock_gettime(int clock, out TimeSpec time);
#pragma warning restore SYSLIB1054
}
