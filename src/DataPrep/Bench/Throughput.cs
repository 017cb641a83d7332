using System.Diagnostics;
using T2I.Core.Data;
using T2I.DataPrep.Ingest;

namespace T2I.DataPrep.Bench;

/// <summary>Times the two resizers on identical files and identical target sizes (the nearest bucket of each).</summary>
internal static class Throughput
{
    /// <summary>Images/s through the real per-sample path: read, filters, header, scaled decode, fit, JPEG encode.</summary>
    public static double Ours(IReadOnlyList<string> files, int resolution, int workers)
    {
        var processor = new SampleProcessor(new FilterConfig { Dedup = false }, new DomainBlocklist([]), [resolution]);
        var caption = "a photo of a benchmark scene"u8.ToArray();
        Run(files.Take(Math.Min(8, files.Count)).ToList()); // warm-up: JIT and codec tables
        var sw = Stopwatch.StartNew();
        Run(files);
        return files.Count / sw.Elapsed.TotalSeconds;

        void Run(IReadOnlyList<string> batch) => Parallel.ForEach(batch, new ParallelOptions { MaxDegreeOfParallelism = workers }, f =>
        {
            var sample = new WebDatasetSample(Path.GetFileNameWithoutExtension(f), File.ReadAllBytes(f), "jpg", caption, null, null);
            var outcome = processor.Process(sample, null, "bench");
            if (outcome.DropReason is not null) throw new InvalidOperationException($"{f} was dropped: {outcome.DropReason}");
        });
    }

    /// <summary>
    /// vipsthumbnail with one libvips thread, the same bucket sizes (centre crop), JPEG Q=92. Files are grouped
    /// by bucket so one process handles many files and start-up is amortised. NaN when it is not installed.
    /// </summary>
    public static double Vips(IReadOnlyList<string> files, int resolution, string dir)
    {
        var outDir = Directory.CreateDirectory(Path.Combine(dir, "vips")).FullName;
        var groups = files.GroupBy(f =>
        {
            var h = ImageCodec.ReadHeader(File.ReadAllBytes(f));
            return AspectBuckets.Nearest(resolution, h.Width, h.Height);
        }).ToList();
        try { RunVips(groups[0].Take(2).ToList(), groups[0].Key, outDir); } // warm-up (page cache, library load)
        catch (System.ComponentModel.Win32Exception) { return double.NaN; }
        var sw = Stopwatch.StartNew();
        foreach (var g in groups) RunVips(g.ToList(), g.Key, outDir);
        return files.Count / sw.Elapsed.TotalSeconds;
    }

    private static void RunVips(List<string> files, AspectBucket bucket, string outDir)
    {
        var psi = new ProcessStartInfo("vipsthumbnail") { RedirectStandardError = true, UseShellExecute = false };
        psi.Environment["VIPS_CONCURRENCY"] = "1";
        foreach (var a in new[] { "--size", $"{bucket.Width}x{bucket.Height}", "--smartcrop", "centre", "-o", Path.Combine(outDir, "%s.jpg[Q=92]") })
            psi.ArgumentList.Add(a);
        foreach (var f in files) psi.ArgumentList.Add(f);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"vipsthumbnail failed: {err}");
    }
}
