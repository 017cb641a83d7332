using T2I.Core.Ingest;
using T2I.Core.Storage;

namespace T2I.Core.Synthesis;

/// <summary>Writes a synthetic LAION-format set (img2dataset layout) shard by shard: `dataprep synth` and `training demo`.</summary>
public static class SyntheticShards
{
    /// <returns>The number of samples written.</returns>
    public static async Task<long> WriteAsync(IBlobStore store, int count, int shards, int seed, double defectShare = 0.25,
        SynthVocabulary? vocabulary = null, IProgress<ProgressUpdate>? progress = null, CancellationToken ct = default)
    {
        var generator = new SyntheticLaionGenerator(seed, count, shards, defectShare, vocabulary);
        long done = 0;
        for (int s = 0; s < generator.ShardCount; s++)
        {
            ct.ThrowIfCancellationRequested();
            var samples = generator.Shard(s);
            await StoreUnavailableException.Guard("output", store, $"writing shard {s:D5}",
                () => SynthShardWriter.WriteAsync(store, s, samples, ct));
            done += samples.Count;
            progress?.Report(new ProgressUpdate("images", done, count, $"shard {s + 1}/{shards}"));
        }
        return done;
    }
}
