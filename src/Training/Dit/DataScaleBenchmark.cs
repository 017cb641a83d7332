using T2I.Core;
using T2I.Core.Ingest;
using T2I.Training.Loop;

namespace T2I.Training.Dit;

/// <summary>One data scale of <see cref="DataScaleBenchmark"/>: the step figures and the resident set while it ran.</summary>
public sealed record DataScaleResult(int Scale, long Rows, BenchmarkResult Step, long StartBytes, long PeakBytes, bool PeakWasReset);

/// <summary>
/// DiT training speed and memory against dataset size: the preset's latent shards repeated N× (<see
/// cref="LatentShardRepeat"/>), each scale a fresh trainer timed by <see cref="StepBenchmark"/> (samples/s, same-run GEMM
/// ratio) with the peak resident set reset before it. Freed native memory is returned first (malloc_trim), so a scale's
/// peak is not hidden under the previous one's leftovers. Streaming shows as peaks that do not grow with the scale.
/// </summary>
public static class DataScaleBenchmark
{
    public static IEnumerable<DataScaleResult> Run(Preset<DitTrainConfig> preset, IReadOnlyList<int> scales, string device, int warmup,
        int steps, int gemmSize, string gemmDtype)
    {
        string source = preset.Config.LatentShards;
        if (source.Length == 0)
            throw new ArgumentException("--data-scales repeats latent shards: set latent_shards (write them with " +
                "`training encode-latents`).");
        string scratch = Path.Combine(Path.GetTempPath(), "t2i-scale-bench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            foreach (int scale in scales)
            {
                string shards = scale == 1 ? source : LatentShardRepeat.Write(source, Path.Combine(scratch, $"x{scale}"), scale);
                var scaled = preset with { Config = preset.Config with { LatentShards = shards } };
                var manifest = LatentShardManifest.ReadAsync(T2I.Core.Storage.BlobStores.Open(shards)).GetAwaiter().GetResult()
                    ?? throw new InvalidDataException($"{shards} holds no {LatentShardManifest.FileName}.");
                long rows = LatentShardSet.Open(shards, manifest.Codec).Rows;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GlibcHeap.Trim();
                bool reset = ResidentMemory.ResetPeak();
                long start = ResidentMemory.CurrentBytes();
                var step = StepBenchmark.Run(scaled, device, warmup, steps, gemmSize, gemmDtype);
                yield return new DataScaleResult(scale, rows, step, start, ResidentMemory.PeakBytes(), reset);
            }
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }
}
