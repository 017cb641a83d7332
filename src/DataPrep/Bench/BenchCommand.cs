using T2I.Core;
using System.CommandLine;
using T2I.Core.Ingest;

namespace T2I.DataPrep.Bench;

/// <summary>
/// <c>dataprep bench</c>: our decode + filter + resize + encode path against libvips (in this process, so its
/// start-up is paid once, and as the <c>vipsthumbnail</c> CLI) on the same photo-sized JPEGs, target sizes and
/// output settings in the same run, one core each; then ours on all cores, where our time goes per stage, and
/// the ingest process's peak memory as the shard count grows.
/// </summary>
public static class BenchCommand
{
    public static Command Build()
    {
        var images = new Option<int>("--images")
        {
            Description = "Photo-sized JPEGs to generate (500–1500 px); 0 skips the " +
            "throughput part.", DefaultValueFactory = _ => 96
        };
        var resolution = new Option<int>("--resolution")
        {
            Description = "Base resolution of the bucket the images are fitted " +
            "to.", DefaultValueFactory = _ => 256
        };
        var shards = new Option<int[]>("--memory-shards")
        {
            Description = "Shard counts for the memory test (each shard: 40 " +
            "synthetic samples); 0 skips the memory part.", DefaultValueFactory = _ => [1, 4, 16, 64],
            AllowMultipleArgumentsPerToken = true
        };
        var processes = new Option<int[]>("--worker-processes")
        {
            Description = "Worker process counts for the scale-out part (ingest split by --shard-index over 24 shards of " +
            "8 samples); 0 skips it.", DefaultValueFactory = _ => [1, 2, 3], AllowMultipleArgumentsPerToken = true
        };
        var scaleShards = new Option<int>("--scale-shards")
        {
            Description = "Input shards of the scale-out part.",
            DefaultValueFactory = _ => 24
        };
        var scaleSamples = new Option<int>("--scale-samples")
        {
            Description = "Samples per shard of the scale-out part.",
            DefaultValueFactory = _ => 8
        };
        var startup = new Option<int[]>("--committed-shards")
        {
            Description = "Committed-shard counts for the start-up part (one image per shard: ingest, the same ingest " +
            "again over the finished output, stats); default none.", DefaultValueFactory = _ => [],
            AllowMultipleArgumentsPerToken = true
        };
        var cmd = new Command("bench",
            "Throughput (images/s per core) vs vipsthumbnail on the same files, peak memory vs shard count, and ingest spread " +
            "over worker processes, start-up with many committed shards.")
        {
            images, resolution, shards, processes, scaleShards, scaleSamples, startup,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            string dir = Directory.CreateTempSubdirectory("t2i-bench-").FullName;
            try
            {
                int n = parse.GetValue(images), res = parse.GetValue(resolution);
                if (n > 0) CompareWithVips(dir, n, res);
                if ((parse.GetValue(shards) ?? []).Where(k => k > 0).ToArray() is { Length: > 0 } counts)
                {
                    var results = await MemoryProbe.RunAsync(dir, counts, ct);
                    Console.WriteLine($"memory (dataprep ingest --resolution 256, {MemoryProbe.SamplesPerShard} samples per shard):");
                    Console.WriteLine("| shards | samples | peak RSS MB | dedup hashes (≈ MB) | state bytes per shard | seconds |");
                    Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
                    foreach (var r in results)
                        Console.WriteLine($"| {r.Shards} | {r.Samples} | {r.PeakMb:0} | {r.DedupEntries} " +
                            $"({r.DedupEntries * PartitionDeduper.BytesPerImage / 1048576.0:0.00}) | " +
                            $"{r.StateBytes / (double)r.Shards:0} | " +
                            $"{r.Seconds:0.0} |");
                }
                if ((parse.GetValue(processes) ?? []).Where(k => k > 0).ToArray() is { Length: > 0 } ks)
                {
                    int perShard = parse.GetValue(scaleSamples);
                    WorkerScaling.Print(await WorkerScaling.RunAsync(dir, parse.GetValue(scaleShards), perShard, ks, ct), perShard);
                }
                if ((parse.GetValue(startup) ?? []).Where(k => k > 0).ToArray() is { Length: > 0 } committed)
                    StartupProbe.Print(await StartupProbe.RunAsync(dir, committed, ct));
                return 0;
            }
            finally { Directory.Delete(dir, true); }
        });
        return cmd;
    }

    private const int Rounds = 3;

    private static Throughput.Result Median(List<Throughput.Result> runs) => runs.OrderBy(r =>
        r.ImagesPerCpuSecond).ElementAt(runs.Count / 2);

    private static string Join(List<Throughput.Result> runs) => string.Join(" / ", runs.Select(r => r.ImagesPerCpuSecond.ToString("0.0")));

    private static void CompareWithVips(string dir, int n, int res)
    {
        Console.WriteLine($"bench: generating {n} photo-like JPEGs (500–1500 px) in {dir} …");
        var files = Enumerable.Range(0, n).AsParallel().AsOrdered().Select(i =>
        {
            var path = Path.Combine(dir, $"{i:D5}.jpg");
            File.WriteAllBytes(path, PhotoLikeImages.Jpeg(i, 1234));
            return path;
        }).ToList();
        Console.WriteLine($"bench: mean file size {files.Average(f => new FileInfo(f).Length) / 1024:0} kB; every image → its " +
            $"res{res} bucket, centre crop, JPEG Q92");

        // Alternate ours and libvips a few times and keep each side's median: on a shared machine the load
        // drifts, and alternating exposes both to the same drift.
        var oursRuns = new List<Throughput.Result>();
        var vipsRuns = new List<Throughput.Result>();
        for (int round = 0; round < Rounds; round++)
        {
            oursRuns.Add(Throughput.Production(files, res, workers: 1));
            if (Throughput.LibVips(files, res) is { } v) vipsRuns.Add(v);
        }
        var ours = Median(oursRuns);
        Console.WriteLine($"per core = images per CPU-second (user + system, all threads; robust on a shared machine), median of " +
            $"{Rounds} alternating rounds; wall-clock rates in brackets; " +
            TorchRuntime.BuildNote);
        Console.WriteLine($"ours, 1 core (production path):               {ours.ImagesPerCpuSecond,7:0.0} images/s  " +
            $"[{ours.ImagesPerSecond:0.0} wall]  (out {ours.MeanOutputBytes / 1024:0.0} kB, {ours.Chroma}, {ours.WrongSize} of " +
            $"{n} not at bucket size; rounds {Join(oursRuns)})" +
            $"  [{TorchRuntime.BuildNote}]");
        if (vipsRuns.Count == 0)
        {
            Console.WriteLine("libvips: not installed (apt-get install libvips-tools)");
        }
        else
        {
            var vips = Median(vipsRuns);
            Console.WriteLine($"libvips in-process, 1 thread (start-up once): {vips.ImagesPerCpuSecond,7:0.0} images/s  " +
                $"[{vips.ImagesPerSecond:0.0} wall]  (out {vips.MeanOutputBytes / 1024:0.0} kB, {vips.Chroma}, {vips.WrongSize} " +
                $"of {n} not at bucket size; rounds {Join(vipsRuns)})");
            Console.WriteLine($"ratio ours/libvips:                           {ours.ImagesPerCpuSecond / vips.ImagesPerCpuSecond,7:0.00}" +
                $"  [{TorchRuntime.BuildNote}]");
        }
        if (VipsThumbnail.Run(files, res, dir) is { } cli)
        {
            Console.WriteLine($"vipsthumbnail CLI, 1 thread, with start-up:   {cli.ImagesPerCpuSecond,7:0.0} images/s  " +
                $"[{cli.ImagesPerSecond:0.0} wall]  ({cli.Processes} calls, one per bucket size, {cli.CpuSeconds:0.00} CPU-s)");
            Console.WriteLine($"  start-up per call {cli.StartupCpuSeconds * 1000:0} CPU-ms; excluding it: " +
                $"{cli.ExcludingStartup:0.0} images/s  (out {cli.MeanOutputBytes / 1024:0.0} kB, {cli.Chroma}, {cli.WrongSize} of " +
                $"{n} not at bucket size)");
        }
        int cores = Environment.ProcessorCount;
        var oursN = Throughput.Production(files, res, workers: cores);
        Console.WriteLine($"ours, {cores} cores:                                {oursN.ImagesPerSecond,7:0.0} images/s wall  " +
            $"({oursN.ImagesPerCpuSecond:0.0} per CPU-second)");
        var stages = StageProfile.Run(files, res, 92);
        Console.WriteLine("ours per stage, 1 thread, CPU-ms per image (thread CPU clock):");
        foreach (var st in stages) Console.WriteLine($"  {st.Name,-28} {st.CpuMsPerImage,7:0.00}");
        Console.WriteLine($"  {"total",-28} {stages.Sum(st => st.CpuMsPerImage),7:0.00}  (≙ " +
            $"{1000 / stages.Sum(st => st.CpuMsPerImage):0.0} images per CPU-second on this thread)");
    }
}
