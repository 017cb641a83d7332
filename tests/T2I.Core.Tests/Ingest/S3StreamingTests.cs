using System.Formats.Tar;
using T2I.Core.Data;
using T2I.Core.Storage;
using T2I.Core.Tests.Storage;
using T2I.Core.Ingest;
using T2I.Core.Tests.Support;

namespace T2I.Core.Tests.Ingest;

/// <summary>S3 reads stream: Parquet through ranged GETs of the footer and the wanted row group, tars block by block (real s3rver).</summary>
public class S3StreamingTests(S3ServerFixture s3) : IClassFixture<S3ServerFixture>
{
    private static List<BucketRow> Rows(int n)
    {
        var rng = new Random(11);
        return Enumerable.Range(0, n).Select(i =>
        {
            var image = new byte[30_000];
            rng.NextBytes(image);
            return new BucketRow { Key = $"k{i:D3}", Caption = $"row {i}", Image = image, Width = 256, Height = 256, Sha256 = new string('a', 64), SourceShard = "00000" };
        }).ToList();
    }

    [Fact]
    public async Task OneRowGroupOfALargeParquetIsReadWithoutDownloadingTheFile()
    {
        using var store = new S3BlobStore(s3.OptionsFor("range-" + Guid.NewGuid().ToString("N")));
        var rows = Rows(96);
        var file = await BucketShardFile.WriteAsync(rows, rowGroupRows: 8); // 12 groups of ~240 kB
        await store.WriteAsync("res256/256x256/00000.parquet", new MemoryStream(file));

        await using var s = await SeekableStream.OpenAsync(store, "res256/256x256/00000.parquet", blockSize: 64 << 10);
        var ranged = Assert.IsType<RangeReadStream>(s);
        Assert.Equal(file.Length, s.Length);
        Assert.Equal(Enumerable.Repeat(8L, 12), await BucketShardFile.RowGroupSizesAsync(s));
        var group7 = await BucketShardFile.ReadAsync(s, 7);

        Assert.Equal(rows.Skip(56).Take(8).Select(r => r.Key), group7.Select(r => r.Key));
        Assert.All(group7.Zip(rows.Skip(56)), p => Assert.Equal(p.Second.Image, p.First.Image));
        Assert.True(ranged.BytesFetched < file.Length / 4, $"fetched {ranged.BytesFetched} of {file.Length} bytes");
        Assert.True(ranged.Requests <= 12, $"{ranged.Requests} range requests");
    }

    [Fact]
    public async Task BatchReaderAndShardMetadataOnS3MatchTheLocalCopies()
    {
        using var tmp = new TempDir();
        var prefix = "reader-" + Guid.NewGuid().ToString("N");
        using var s3store = new S3BlobStore(s3.OptionsFor(prefix));
        var local = new LocalBlobStore(tmp.Path);
        var rows = Rows(40);
        foreach (var store in new IBlobStore[] { s3store, local })
            await store.WriteAsync("res256/256x256/00000.parquet", new MemoryStream(await BucketShardFile.WriteAsync(rows, rowGroupRows: 8)));

        async Task<List<string>> Keys(IBlobStore store)
        {
            var reader = await BucketBatchReader.OpenAsync(store, 256, new BucketBatchOptions(BatchSize: 4, Seed: 3));
            var keys = new List<string>();
            await foreach (var b in reader.ReadAsync(BucketReaderPosition.Start, epochs: 1)) keys.AddRange(b.Rows.Select(r => r.Key));
            return keys;
        }
        var fromS3 = await Keys(s3store);
        Assert.Equal(40, fromS3.Distinct().Count());
        Assert.Equal(await Keys(local), fromS3);

        // The img2dataset Parquet beside a tar, read row group by row group over ranges.
        var synth = SynthSets.Get(40, 1, seed: 2, defectShare: 0);
        var parquet = await File.ReadAllBytesAsync(Path.Combine(synth, "00000.parquet"));
        await s3store.WriteAsync("raw/00000.parquet", new MemoryStream(parquet));
        var (onS3, problem) = await ShardMetadata.LoadAsync(s3store, "raw/00000.parquet", default);
        var (onDisk, _) = await ShardMetadata.LoadAsync(new LocalBlobStore(synth), "00000.parquet", default);
        Assert.Null(problem);
        Assert.Equal(40, onS3.Count);
        Assert.Equal(onDisk.OrderBy(p => p.Key), onS3.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task ATarIsStreamedInBlocksAndReadsExactlyAsLocally()
    {
        using var store = new S3BlobStore(s3.OptionsFor("tar-" + Guid.NewGuid().ToString("N")));
        var ms = new MemoryStream();
        var rng = new Random(4);
        using (var w = new TarWriter(ms, TarEntryFormat.Ustar, leaveOpen: true))
            for (int i = 0; i < 30; i++)
            {
                var img = new byte[rng.Next(1000, 60_000)];
                rng.NextBytes(img);
                w.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, $"{i:D5}.jpg") { DataStream = new MemoryStream(img) });
                w.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, $"{i:D5}.txt") { DataStream = new MemoryStream("a caption"u8.ToArray()) });
            }
        var tar = ms.ToArray();
        await store.WriteAsync("00000.tar", new MemoryStream(tar));

        await using var s = await SeekableStream.OpenAsync(store, "00000.tar", blockSize: 64 << 10);
        var fromS3 = new WebDatasetShardReader(s).ReadSamples().ToList();
        var fromMemory = new WebDatasetShardReader(new MemoryStream(tar)).ReadSamples().ToList();
        Assert.Equal(30, fromS3.Count);
        Assert.All(fromS3.Zip(fromMemory), p => Assert.Equal(p.Second.Image, p.First.Image));
        var ranged = (RangeReadStream)s;
        Assert.Equal(tar.Length, ranged.BytesFetched); // each byte once, in blocks, never the whole object at once
        Assert.Equal((tar.Length + (64 << 10) - 1) / (64 << 10), ranged.Requests);
    }
}
