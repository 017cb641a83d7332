using T2I.Core.Data;
using T2I.Core.Storage;
using T2I.Training.Loop;

namespace T2I.Training.Tokenizer;

/// <summary>
/// The two readers a tokenizer trainer opens over bucketed shards: the training stream (this rank's share, resumable, seed
/// of the run) and a fixed evaluation stream with the next seed.
/// </summary>
public static class TokenizerShards
{
    public static (BucketBatchSource<TokenizerBatch> Train, BucketBatchReader Eval) Open(TokenizerStageConfig settings,
        TrainerContext context)
    {
        IBlobStore store = BlobStores.Open(settings.Data);
        int seed = (int)context.Loop.Seed;
        var reader = BucketBatchReader.OpenAsync(store, settings.ShardResolution,
            context.TrainingBatches(context.Loop.BatchSize, seed)).GetAwaiter().GetResult();
        var train = new BucketBatchSource<TokenizerBatch>(reader, b => TokenizerBatch.From(b, settings));
        var eval = BucketBatchReader.OpenAsync(store, settings.ShardResolution,
            new BucketBatchOptions(context.Loop.BatchSize, seed + 1)).GetAwaiter().GetResult();
        return (train, eval);
    }
}
