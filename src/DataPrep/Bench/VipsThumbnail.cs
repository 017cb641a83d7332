using System.Diagnostics;
using T2I.Core.Data;

namespace T2I.DataPrep.Bench;

/// <summary>
/// <c>vipsthumbnail</c> on the same files and bucket sizes: one libvips thread (<c>VIPS_CONCURRENCY=1</c>),
/// centre crop to exactly the bucket, JPEG Q92 with 4:2:0 chroma like ours (libvips' default turns
/// subsampling off at Q ≥ 90, which would make it encode twice the chroma). The CLI takes one size per
/// call, so files go in one call per bucket size; each call pays libvips' start-up (it loads its modules —
/// poppler, heif, magick … — even for JPEG), which is measured separately and reported beside the total.
/// </summary>
internal static class VipsThumbnail
{
    /// <summary>Per CPU second (the children's user + system time) with and without start-up, and the wall-clock rate.</summary>
    public sealed record Result(double ImagesPerCpuSecond, double ExcludingStartup, double ImagesPerSecond, int Processes,
        double StartupCpuSeconds, double CpuSeconds, int WrongSize, double MeanOutputBytes, string Chroma);

    /// <summary>Null when vipsthumbnail is not installed.</summary>
    public static Result? Run(IReadOnlyList<string> files, int resolution, string dir)
    {
        var outDir = Directory.CreateDirectory(Path.Combine(dir, "vips")).FullName;
        var groups = files.GroupBy(f =>
        {
            var h = ImageCodec.ReadHeader(File.ReadAllBytes(f));
            return AspectBuckets.Nearest(resolution, h.Width, h.Height);
        }).ToList();
        double startup;
        try { startup = StartupCpuSeconds(dir); }
        catch (System.ComponentModel.Win32Exception) { return null; }
        Call(groups[0].Take(2).ToList(), groups[0].Key, outDir); // warm-up (page cache)

        var cpu = CpuClock.Children();
        var sw = Stopwatch.StartNew();
        foreach (var g in groups) Call(g.ToList(), g.Key, outDir);
        double wall = sw.Elapsed.TotalSeconds, total = (CpuClock.Children() - cpu).TotalSeconds;

        int wrong = 0;
        var sizes = new List<long>();
        string chroma = "";
        foreach (var g in groups)
            foreach (var f in g)
            {
                var output = File.ReadAllBytes(Path.Combine(outDir, Path.GetFileNameWithoutExtension(f) + ".jpg"));
                var h = ImageCodec.ReadHeader(output);
                if ((h.Width, h.Height) != (g.Key.Width, g.Key.Height)) wrong++;
                sizes.Add(output.Length);
                chroma = JpegInfo.Chroma(output);
            }
        double work = Math.Max(1e-9, total - groups.Count * startup);
        return new Result(files.Count / total, files.Count / work, files.Count / wall, groups.Count, startup, total, wrong,
            sizes.Average(), chroma);
    }

    /// <summary>Median CPU time of a call on a 16×16 JPEG: process start, library and module loading, exit.</summary>
    private static double StartupCpuSeconds(string dir)
    {
        var tiny = Path.Combine(dir, "tiny.jpg");
        using (var bmp = new SkiaSharp.SKBitmap(16, 16)) File.WriteAllBytes(tiny, ImageCodec.EncodeJpeg(bmp, 92));
        var outDir = Directory.CreateDirectory(Path.Combine(dir, "vips-tiny")).FullName;
        var times = new List<double>();
        for (int i = 0; i < 7; i++)
        {
            var before = CpuClock.Children();
            Call([tiny], new AspectBucket(16, 16), outDir);
            times.Add((CpuClock.Children() - before).TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    private static void Call(List<string> files, AspectBucket bucket, string outDir)
    {
        var psi = new ProcessStartInfo("vipsthumbnail") { RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["VIPS_CONCURRENCY"] = "1";
        foreach (var a in new[] { "--size", $"{bucket.Width}x{bucket.Height}", "--smartcrop", "centre", "-o", Path.Combine(outDir,
            "%s.jpg[Q=92,subsample-mode=on]") })
            psi.ArgumentList.Add(a);
        foreach (var f in files) psi.ArgumentList.Add(f);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"vipsthumbnail failed: {err}");
    }
}
