using System.Formats.Tar;
using System.Security.Cryptography;
using T2I.Core.Data;
using T2I.Core.Ingest;
using T2I.Core.Tests.Support;

namespace T2I.Core.Tests.Ingest;

/// <summary>The pieces that keep ingestion's memory flat: streamed row groups, a bounded window, a compact dedup index.</summary>
public class StreamingTests
{
    private static BucketRow Row(int i, int width = 256, int height = 256, int imageBytes = 1000) => new()
    {
        Key = $"k{i:D4}", Caption = $"caption {i}", Image = Enumerable.Repeat((byte)i, imageBytes).ToArray(),
        Width = width, Height = height, Sha256 = new string('0', 64), SourceShard = "00000",
    };

    [Fact]
    public async Task RowGroupsAreWrittenAsTheyFillAndNothingIsPublishedEarly()
    {
        using var tmp = new TempDir();
        var config = new FilterConfig { RowGroupRows = 5, MaxBufferedBytes = 1 << 30 };
        var store = new MemoryBlobStore();
        await using var writers = new BucketShardWriters("00000", config, tmp.Path);
        long maxBuffered = 0;
        for (int i = 0; i < 12; i++)
        {
            await writers.AddAsync(256, Row(i), default);
            maxBuffered = Math.Max(maxBuffered, writers.BufferedBytes);
        }
        Assert.True(maxBuffered < 5 * (1000 + 512), $"at most one unfinished row group is held ({maxBuffered} bytes)");
        Assert.Empty(await store.ListAsync().ToListAsync());
        Assert.Empty(Directory.GetFiles(tmp.Path)); // spool files are unlinked: a killed run leaves none

        var keys = await writers.PublishAsync(store, default);
        Assert.Equal(["res256/256x256/00000.parquet"], keys);
        await using var s = await store.OpenReadAsync(keys[0]);
        var copy = new MemoryStream();
        await s.CopyToAsync(copy);
        var groupSizes = await BucketShardFile.RowGroupSizesAsync(new MemoryStream(copy.ToArray()));
        Assert.Equal(new long[] { 5, 5, 2 }, groupSizes);
        var rows = await BucketShardFile.ReadAsync(new MemoryStream(copy.ToArray()));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"k{i:D4}"), rows.Select(r => r.Key));
        Assert.Equal(Row(11).Image, rows[11].Image);
    }

    [Fact]
    public async Task TheBufferBudgetWritesTheLargestPendingGroupEarly()
    {
        using var tmp = new TempDir();
        // Three buckets, groups of up to 100 rows, but only ~6 kB may wait in memory at once.
        var config = new FilterConfig { RowGroupRows = 100, MaxBufferedBytes = 6000 };
        var store = new MemoryBlobStore();
        await using (var writers = new BucketShardWriters("00003", config, tmp.Path))
        {
            for (int i = 0; i < 60; i++)
            {
                var (w, h) = (i % 3) switch { 0 => (256, 256), 1 => (320, 208), _ => (208, 320) };
                await writers.AddAsync(256, Row(i, w, h), default);
                Assert.True(writers.BufferedBytes <= 6000);
            }
            Assert.Equal(3, (await writers.PublishAsync(store, default)).Count);
        }
        long rows = 0;
        await foreach (var blob in store.ListAsync())
        {
            await using var s = await store.OpenReadAsync(blob.Key);
            var ms = new MemoryStream();
            await s.CopyToAsync(ms);
            var sizes = await BucketShardFile.RowGroupSizesAsync(new MemoryStream(ms.ToArray()));
            Assert.True(sizes.Length > 1, $"{blob.Key} was flushed early, in several groups");
            rows += sizes.Sum();
        }
        Assert.Equal(60, rows);
    }

    [Fact]
    public async Task OrderedParallelKeepsSourceOrderWithABoundedWindow()
    {
        int produced = 0, consumed = 0, maxAhead = 0;
        IEnumerable<int> Source()
        {
            for (int i = 0; i < 200; i++)
            {
                Interlocked.Increment(ref produced);
                yield return i;
            }
        }
        var results = new List<int>();
        await foreach (var r in OrderedParallel.SelectAsync(Source(), i =>
        {
            Thread.Sleep((i * 7919) % 5); // uneven work: later items often finish first
            return i * 2;
        }, workers: 3, window: 6))
        {
            results.Add(r);
            consumed++;
            maxAhead = Math.Max(maxAhead, Volatile.Read(ref produced) - consumed);
            if (r % 50 == 0) await Task.Delay(30); // a slow consumer must stall the source
        }
        Assert.Equal(Enumerable.Range(0, 200).Select(i => i * 2), results);
        Assert.True(maxAhead <= 6 + 3, $"the source ran {maxAhead} items ahead");
    }

    [Fact]
    public async Task OrderedParallelSurfacesSourceAndMapFailures()
    {
        IEnumerable<int> Broken() { yield return 1; throw new IOException("connection reset"); }
        await Assert.ThrowsAsync<IOException>(async () => { await foreach (var _ in OrderedParallel.SelectAsync(Broken(), i => i, 2, 4)) { } });
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in OrderedParallel.SelectAsync(Enumerable.Range(0, 10), i => i == 3 ? throw new InvalidOperationException() : i, 2, 4)) { }
        });
    }

    [Fact]
    public void DedupKeysAreTheSha256OfTheBytes()
    {
        var data = "some image bytes"u8.ToArray();
        var key = Sha256Key.Of(data);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), key.ToHex());
        Assert.True(Sha256Key.TryParseHex(key.ToHex(), out var parsed));
        Assert.Equal(key, parsed);
        Assert.False(Sha256Key.TryParseHex("not hex", out _));
        Assert.False(Sha256Key.TryParseHex(new string('g', 64), out _));

    }

    [Fact]
    public async Task HashRowFilesRoundTripAndDamageIsRefused()
    {
        var store = new MemoryBlobStore();
        var rows = Enumerable.Range(0, 50).Select(i => new HashRow(Sha256Key.Of([(byte)i]), i * 3)).ToList();
        await store.WriteAsync("h.bin", new MemoryStream(HashRows.Encode(rows)));
        Assert.Equal(rows, await HashRows.ReadAsync(store, "h.bin", default));
        await store.WriteAsync("r.bin", new MemoryStream(HashRows.EncodeRows([5, 1, int.MaxValue])));
        Assert.Equal([5, 1, int.MaxValue], await HashRows.ReadRowsAsync(store, "r.bin", default));
        await store.WriteAsync("cut.bin", new MemoryStream(HashRows.Encode(rows)[..^1]));
        await Assert.ThrowsAsync<InvalidDataException>(() => HashRows.ReadAsync(store, "cut.bin", default));
    }

    [Fact]
    public void HashPartitionsSpreadEvenly()
    {
        var counts = new int[16];
        for (int i = 0; i < 16_000; i++) counts[IngestLayout.PartitionOf(Sha256Key.Of(BitConverter.GetBytes(i)), 16)]++;
        Assert.All(counts, c => Assert.InRange(c, 850, 1150)); // 1000 ± 4.7 sigma
    }

    [Fact]
    public void AnOversizedTarMemberIsSkippedUnreadAndDropsOnlyItsSample()
    {
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Ustar, leaveOpen: true))
            foreach (var (name, size) in new[] { ("a.jpg", 100), ("a.txt", 5), ("b.jpg", 5000), ("b.txt", 5), ("c.jpg", 100) })
                w.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(new byte[size]) });
        ms.Position = 0;
        var reader = new WebDatasetShardReader(ms, maxMemberBytes: 1000);
        var samples = reader.ReadSamples().ToList();
        Assert.Equal(["a", "b", "c"], samples.Select(s => s.Key));
        Assert.Equal(DropReasons.OversizedMember, samples[1].Problem);
        Assert.Null(samples[1].Image);
        Assert.NotNull(samples[1].Caption); // the members after the skipped one are still read
        Assert.Null(samples[2].Problem);
        Assert.Equal(1, reader.Problems["oversized_member"]);
    }
}
