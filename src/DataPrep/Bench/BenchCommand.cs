using System.CommandLine;
using System.Diagnostics;
using System.Text;
using T2I.Core.Data;
using T2I.DataPrep.Ingest;

namespace T2I.DataPrep.Bench;

/// <summary>
/// <c>dataprep bench</c>: our decode + filter + resize + encode path against <c>vipsthumbnail</c> on the same
/// photo-sized JPEGs in the same run (both on one core, then ours on all cores), and the ingest process's
/// peak working set as the number of shards grows.
/// </summary>
public static class BenchCommand
{
    public static Command Build()
    {
        var images = new Option<int>("--images") { Description = "Photo-sized JPEGs to generate (500–1500 px).", DefaultValueFactory = _ => 96 };
        var resolution = new Option<int>("--resolution") { Description = "Base resolution of the bucket the images are fitted to.", DefaultValueFactory = _ => 256 };
        var shards = new Option<int[]>("--memory-shards") { Description = "Shard counts for the memory test (each shard: 40 synthetic samples); empty to skip.", DefaultValueFactory = _ => [1, 4, 16, 64], AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("bench", "Throughput (images/s per core) vs vipsthumbnail on the same files, and peak memory vs shard count.") { images, resolution, shards };
        cmd.SetAction(async (parse, ct) =>
        {
            string dir = Directory.CreateTempSubdirectory("t2i-bench-").FullName;
            try
            {
                int n = parse.GetValue(images), res = parse.GetValue(resolution);
                Console.WriteLine($"bench: generating {n} photo-like JPEGs (500–1500 px) in {dir} …");
                var files = Enumerable.Range(0, n).AsParallel().AsOrdered().Select(i =>
                {
                    var path = Path.Combine(dir, $"{i:D5}.jpg");
                    File.WriteAllBytes(path, PhotoLikeImages.Jpeg(i, 1234));
                    return path;
                }).ToList();
                Console.WriteLine($"bench: mean file size {files.Average(f => new FileInfo(f).Length) / 1024:0} kB");

                double ours1 = Throughput.Ours(files, res, workers: 1);
                double vips1 = Throughput.Vips(files, res, dir);
                int cores = Environment.ProcessorCount;
                double oursN = Throughput.Ours(files, res, workers: cores);
                Console.WriteLine($"ours, 1 core:          {ours1,8:0.0} images/s");
                Console.WriteLine(double.IsNaN(vips1) ? "vipsthumbnail:          not installed (apt-get install libvips-tools)"
                                                      : $"vipsthumbnail, 1 core: {vips1,8:0.0} images/s");
                if (!double.IsNaN(vips1)) Console.WriteLine($"ratio ours/vips:       {ours1 / vips1,8:0.00}");
                Console.WriteLine($"ours, {cores} cores:         {oursN,8:0.0} images/s ({oursN / cores:0.0} per core)");

                if (parse.GetValue(shards) is { Length: > 0 } counts)
                {
                    var results = await MemoryProbe.RunAsync(dir, counts, ct);
                    Console.WriteLine($"memory (dataprep ingest --resolution 256, {MemoryProbe.SamplesPerShard} samples per shard):");
                    Console.WriteLine("| shards | samples | peak RSS MB | dedup hashes (≈ MB) | manifest kB | seconds |");
                    Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
                    foreach (var r in results)
                        Console.WriteLine($"| {r.Shards} | {r.Samples} | {r.PeakMb:0} | {r.DedupEntries} ({r.DedupEntries * DedupIndex.BytesPerImage / 1048576.0:0.00}) | {r.ManifestBytes / 1024.0:0} | {r.Seconds:0.0} |");
                }
                return 0;
            }
            finally { Directory.Delete(dir, true); }
        });
        return cmd;
    }
}
