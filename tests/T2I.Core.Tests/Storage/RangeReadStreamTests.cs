using T2I.Core.Storage;

namespace T2I.Core.Tests.Storage;

public class RangeReadStreamTests
{
    private static byte[] Data(int n) => Enumerable.Range(0, n).Select(i => (byte)(i * 31 + (i >> 8))).ToArray();

    private static RangeFetch From(byte[] data, Action<long, int>? observe = null) => (offset, buffer, _) =>
    {
        observe?.Invoke(offset, buffer.Length);
        int n = (int)Math.Min(buffer.Length, data.Length - offset);
        data.AsMemory((int)offset, n).CopyTo(buffer);
        return Task.FromResult(n);
    };

    [Fact]
    public async Task RandomSeeksAndReadsReturnTheObjectsBytes()
    {
        var data = Data(100_000);
        await using var s = new RangeReadStream(data.Length, From(data), blockSize: 4096);
        var rng = new Random(5);
        for (int i = 0; i < 300; i++)
        {
            long at = rng.Next(data.Length);
            int count = rng.Next(1, i % 10 == 0 ? 20_000 : 3000);
            s.Position = at;
            var buf = new byte[count];
            int got = 0;
            while (got < count && await s.ReadAsync(buf.AsMemory(got)) is var n and > 0) got += n;
            Assert.Equal((int)Math.Min(count, data.Length - at), got);
            Assert.True(buf.AsSpan(0, got).SequenceEqual(data.AsSpan((int)at, got)), $"bytes at {at}+{got}");
        }
        s.Seek(-10, SeekOrigin.End);
        Assert.Equal(data[^10], (byte)s.ReadByte());
    }

    [Fact]
    public async Task SequentialReadingFetchesEachByteOnceInBlocks()
    {
        var data = Data(50_000);
        var ranges = new List<(long, int)>();
        await using var s = new RangeReadStream(data.Length, From(data, (o, n) => { lock (ranges) ranges.Add((o, n)); }), blockSize: 8192);
        var copy = new MemoryStream();
        await s.CopyToAsync(copy, 1000); // small reads, like a tar reader's
        Assert.Equal(data, copy.ToArray());
        Assert.Equal(data.Length, s.BytesFetched);
        Assert.Equal((data.Length + 8191) / 8192, s.Requests);
        Assert.All(ranges, r => Assert.True(r.Item2 <= 8192));
    }

    [Fact]
    public async Task AFailedRangeIsRetriedAndTheStreamGoesOn()
    {
        var data = Data(20_000);
        int calls = 0;
        RangeFetch flaky = async (offset, buffer, ct) =>
        {
            if (Interlocked.Increment(ref calls) == 2) throw new IOException("connection reset by peer");
            return await From(data)(offset, buffer, ct);
        };
        await using var s = new RangeReadStream(data.Length, flaky, blockSize: 4096);
        var copy = new MemoryStream();
        await s.CopyToAsync(copy, 512);
        Assert.Equal(data, copy.ToArray());

        RangeFetch dead = (_, _, _) => throw new IOException("no route to host");
        await using var gone = new RangeReadStream(1000, dead, blockSize: 256, retries: 1);
        await Assert.ThrowsAsync<IOException>(() => gone.ReadAsync(new byte[10]).AsTask());
    }
}
