using System.Formats.Tar;
using T2I.Core.Data;

namespace T2I.Core.Tests.Data;

public class WebDatasetShardReaderTests
{
    private static byte[] Tar(params (string Name, byte[] Data)[] members)
    {
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Ustar, leaveOpen: true))
            foreach (var (name, data) in members)
                w.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
        return ms.ToArray();
    }

    private static byte[] Bytes(int n, byte fill = 7) => Enumerable.Repeat(fill, n).ToArray();

    [Fact]
    public void GroupsMembersByKey()
    {
        var tar = Tar(("000000001.jpg", Bytes(700)), ("000000001.txt", "a cat"u8.ToArray()), ("000000001.json", "{}"u8.ToArray()),
                      ("000000002.png", Bytes(10)), ("000000002.txt", "a dog"u8.ToArray()),
                      ("dir/000000003.webp", Bytes(3)), ("dir/000000003.unknown", Bytes(3)));
        var samples = new WebDatasetShardReader(new MemoryStream(tar)).ReadSamples().ToList();
        Assert.Equal(["000000001", "000000002", "dir/000000003"], samples.Select(s => s.Key));
        Assert.Equal(700, samples[0].Image!.Length);
        Assert.Equal("jpg", samples[0].ImageExtension);
        Assert.Equal("a cat"u8.ToArray(), samples[0].Caption);
        Assert.NotNull(samples[0].Json);
        Assert.Null(samples[1].Json);
        Assert.Equal("webp", samples[2].ImageExtension);
        Assert.All(samples, s => Assert.Null(s.Problem));
    }

    [Fact]
    public void TruncatedArchiveYieldsWhatWasReadAndCountsTheCut()
    {
        var tar = Tar(("a.jpg", Bytes(600)), ("a.txt", "x"u8.ToArray()), ("b.jpg", Bytes(5000)), ("b.txt", "y"u8.ToArray()));
        // Cut inside b.jpg's data: 'a' is complete, 'b' is flagged.
        int cut = 512 * 2 + 512 * 2 + 512 + 1000;
        var reader = new WebDatasetShardReader(new MemoryStream(tar[..cut]));
        var samples = reader.ReadSamples().ToList();
        Assert.Equal(2, samples.Count);
        Assert.Null(samples[0].Problem);
        Assert.Equal("truncated_member", samples[1].Problem);
        Assert.Null(samples[1].Image);
        Assert.Equal(1, reader.Problems["truncated_member"]);
    }

    [Fact]
    public void CorruptHeaderIsSkippedAndReadingResumes()
    {
        var tar = Tar(("a.jpg", Bytes(100)), ("b.jpg", Bytes(100)), ("c.jpg", Bytes(100)));
        tar[512 * 2 + 10] ^= 0xFF; // b's header: checksum no longer matches
        var reader = new WebDatasetShardReader(new MemoryStream(tar));
        var keys = reader.ReadSamples().Select(s => s.Key).ToList();
        Assert.Equal(["a", "c"], keys);
        Assert.Equal(1, reader.Problems["bad_tar_header"]);
    }

    [Fact]
    public void LongNamesViaPaxAndGnuAreRead()
    {
        string longName = new string('d', 120) + "/000000009.jpg";
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, longName) { DataStream = new MemoryStream(Bytes(9)) });
        var ms2 = new MemoryStream();
        using (var w = new TarWriter(ms2, TarEntryFormat.Gnu, leaveOpen: true))
            w.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, longName.Replace("09", "10")) { DataStream = new MemoryStream(Bytes(9)) });
        Assert.Equal(longName[..^4], new WebDatasetShardReader(new MemoryStream(ms.ToArray())).ReadSamples().Single().Key);
        Assert.Equal(longName.Replace("09", "10")[..^4], new WebDatasetShardReader(new MemoryStream(ms2.ToArray())).ReadSamples().Single().Key);
    }
}
