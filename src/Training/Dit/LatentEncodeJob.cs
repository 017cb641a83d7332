namespace T2I.Training.Dit;

/// <summary>
/// What <c>training encode-latents</c> does: bucketed image shards under <see cref="Data"/> (<c>res{ShardResolution}/</c>)
/// → latent shards under <see cref="Output"/> at the DiT's <see cref="Resolution"/> buckets, both local or <c>s3://</c>.
/// Input shards are split among <see cref="ShardCount"/> processes by a hash of their key: process
/// <see cref="ShardIndex"/> encodes its part, and the parts together are exactly one whole run.
/// </summary>
public sealed record LatentEncodeJob(string Data, int ShardResolution, int Resolution, string Output)
{
    /// <summary>Keep only rows whose caption holds this word (empty = all).</summary>
    public string CaptionWord { get; init; } = "";
    /// <summary>At most this many rows, in input-key order (0 = all); needs one process (<see cref="ShardCount"/> 1).</summary>
    public int MaxSamples { get; init; }
    /// <summary>How latents are stored: <c>float32</c>, <c>bfloat16</c> or <c>float16</c> (half the bytes; see LatentStorage).</summary>
    public string Dtype { get; init; } = LatentStorage.Float32;
    public int ShardIndex { get; init; }
    public int ShardCount { get; init; } = 1;

    public static LatentEncodeJob From(DitTrainConfig config, string output) =>
        new(config.Data, config.ShardResolution, config.Resolution, output)
        {
            CaptionWord = config.CaptionWord, MaxSamples = config.MaxSamples, Dtype = config.LatentDtype,
        };

    public void Validate()
    {
        if (ShardCount < 1 || ShardIndex < 0 || ShardIndex >= ShardCount)
            throw new ArgumentException($"--shard-index {ShardIndex} --shard-count {ShardCount}: need 0 ≤ index < count.");
        if (MaxSamples > 0 && ShardCount > 1)
            throw new ArgumentException("max_samples takes the first rows in input order, which needs --shard-count 1.");
        if (Resolution < 16 || ShardResolution < 16) throw new ArgumentException("resolutions must be at least 16 px.");
        _ = LatentStorage.BytesPerValue(Dtype);
    }

    /// <summary>Whether input <paramref name="key"/> is this process's: a stable hash of the key, modulo the count.</summary>
    public bool Owns(string key)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key));
        return BitConverter.ToUInt32(hash, 0) % (uint)ShardCount == (uint)ShardIndex;
    }
}
