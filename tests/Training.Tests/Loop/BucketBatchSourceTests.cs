using T2I.Core.Data;
using T2I.Core.Storage;
using T2I.Training.Loop;

namespace T2I.Training.Tests.Loop;

public class BucketBatchSourceTests
{
    private static readonly AspectBucket Square = new(256, 256), Wide = new(320, 208);

    private static async Task<BucketBatchReader> ReaderAsync(string root)
    {
        var store = new LocalBlobStore(root);
        foreach (var (bucket, rows) in new[] { (Square, 30), (Wide, 18) })
        {
            var list = Enumerable.Range(0, rows).Select(i => new BucketRow
            {
                Key = $"{bucket.Name}-{i}", Caption = $"c{i}", Image = [1], Width = bucket.Width, Height = bucket.Height, Sha256 = $"{i:x64}", SourceShard = "00000",
            }).ToList();
            await store.WriteAsync(BucketLayout.ShardKey(256, bucket, "00000"), new MemoryStream(await BucketShardFile.WriteAsync(list, rowGroupRows: 6)));
        }
        return await BucketBatchReader.OpenAsync(store, 256, new BucketBatchOptions(BatchSize: 4, Seed: 3));
    }

    private static string Keys(BucketBatch b) => string.Join(",", b.Rows.Select(r => r.Key));

    [Fact]
    public async Task YieldsTheReadersStreamAcrossEpochs()
    {
        using var tmp = new TempDir();
        var reader = await ReaderAsync(tmp.Path);
        var expected = new List<string>();
        await foreach (var b in reader.ReadAsync(BucketReaderPosition.Start, epochs: 2)) expected.Add(Keys(b));

        using var source = new BucketBatchSource<string>(reader, Keys, prefetch: 3);
        var actual = Enumerable.Range(0, expected.Count).Select(_ => source.Next()).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(new BucketReaderPosition(2, 0), source.Position);
    }

    [Fact]
    public async Task ResumeContinuesAfterTheLastBatchHandedOutNotTheLastPrefetched()
    {
        using var tmp = new TempDir();
        var reader = await ReaderAsync(tmp.Path);
        using var straight = new BucketBatchSource<string>(reader, Keys);
        var all = Enumerable.Range(0, 20).Select(_ => straight.Next()).ToList();

        using var first = new BucketBatchSource<string>(reader, Keys, prefetch: 4);
        for (int i = 0; i < 7; i++) first.Next();
        Thread.Sleep(50);   // let the producer run ahead
        var saved = first.SavePosition();

        using var resumed = new BucketBatchSource<string>(reader, Keys);
        resumed.RestorePosition(saved);
        Assert.Equal(all.Skip(7), Enumerable.Range(0, 13).Select(_ => resumed.Next()));

        first.RestorePosition(saved);   // restoring a running source restarts its producer
        Assert.Equal(all[7], first.Next());
    }

    [Fact]
    public async Task ConverterErrorsSurfaceWithTheirMessage()
    {
        using var tmp = new TempDir();
        var reader = await ReaderAsync(tmp.Path);
        int n = 0;
        using var source = new BucketBatchSource<string>(reader, b => ++n == 3 ? throw new InvalidDataException("undecodable image x") : Keys(b));
        source.Next();
        source.Next();
        var e = Assert.Throws<InvalidOperationException>(() => source.Next());
        Assert.Contains("undecodable image x", e.Message);
    }

    private sealed class Tracked(List<Tracked> disposed) : IDisposable
    {
        public void Dispose() { lock (disposed) disposed.Add(this); }
    }

    [Fact]
    public async Task PrefetchedBatchesAreDisposedWithTheSource()
    {
        using var tmp = new TempDir();
        var reader = await ReaderAsync(tmp.Path);
        var disposed = new List<Tracked>();
        int made = 0;
        var source = new BucketBatchSource<Tracked>(reader, _ => { Interlocked.Increment(ref made); return new Tracked(disposed); }, prefetch: 2);
        var handedOut = source.Next();
        Thread.Sleep(50);
        source.Dispose();
        Assert.DoesNotContain(handedOut, disposed);   // the trainer owns what it was given
        Assert.Equal(made - 1, disposed.Count);
        Assert.True(made >= 2);
    }
}
