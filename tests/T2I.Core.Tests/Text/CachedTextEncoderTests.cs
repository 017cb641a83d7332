using T2I.Core.Pretrained.MiniLm;
using T2I.Core.Tests.Pretrained;
using T2I.Core.Text;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Text;

public sealed class CachedTextEncoderTests(MiniLmFixture fixture) : IClassFixture<MiniLmFixture>
{
    // The cache owns no encoder here: the fixture's is shared, so the wrapper must not dispose it.
    private sealed class Borrowed(ITextEncoder inner) : ITextEncoder
    {
        public int Calls { get; private set; }
        public int SequenceDim => inner.SequenceDim;
        public int PooledDim => inner.PooledDim;
        public string Name => inner.Name;

        public TextEncoding Encode(IReadOnlyList<string> prompts)
        {
            Calls++;
            return inner.Encode(prompts);
        }
    }

    private static readonly string[] Prompts = ["red apple", "a dog face with its tongue out", "", "pizza"];

    [Fact]
    public void CachedBatchesEqualTheEncodersOwnAtEveryRealToken()
    {
        using var scope = NewDisposeScope();
        var cached = new CachedTextEncoder(new Borrowed(fixture.Encoder), capacity: 16);
        using var direct = fixture.Encoder.Encode(Prompts);
        using var fromCache = cached.Encode(Prompts);
        Assert.Equal(direct.Sequence.shape, fromCache.Sequence.shape);
        Assert.True(direct.Mask.eq(fromCache.Mask).all().item<bool>());
        var real = direct.Mask.unsqueeze(-1);
        // The encoder's batch pads rows, the cache encodes each alone: equal up to float summation order.
        Assert.True((direct.Sequence - fromCache.Sequence).abs().masked_fill(real.logical_not(), 0).max().item<float>() < 1e-4f);
        Assert.True((direct.Pooled - fromCache.Pooled).abs().max().item<float>() < 1e-4f);
        // Padding positions are zero, never another row's states.
        Assert.Equal(0f, fromCache.Sequence.masked_fill(real, 0).abs().max().item<float>());
    }

    [Fact]
    public void ARowIsTheSameWhateverSharedItsBatchAndRepeatsAreNotEncodedAgain()
    {
        using var scope = NewDisposeScope();
        var inner = new Borrowed(fixture.Encoder);
        var cached = new CachedTextEncoder(inner, capacity: 16);
        using var first = cached.Encode(["red apple", "pizza"]);
        var fresh = new CachedTextEncoder(new Borrowed(fixture.Encoder), capacity: 16);
        using var other = fresh.Encode(["a dog face with its tongue out", "red apple"]);
        long l = first.Mask[0].sum().item<long>();
        Assert.True(first.Sequence[0, TensorIndex.Slice(0, l)].eq(other.Sequence[1, TensorIndex.Slice(0, l)]).all().item<bool>());

        int calls = inner.Calls;
        using var again = cached.Encode(["pizza", "red apple", "pizza"]);
        Assert.Equal(calls, inner.Calls);
        Assert.Equal((3L, 2L), (cached.Hits, cached.Misses));
    }

    [Fact]
    public void NeverHoldsMoreThanItsCapacityEvenForALargerBatch()
    {
        using var scope = NewDisposeScope();
        var inner = new Borrowed(fixture.Encoder);
        var cached = new CachedTextEncoder(inner, capacity: 2);
        using var batch = cached.Encode(Prompts); // four distinct prompts through a cache of two
        Assert.Equal(new long[] { 4, batch.Sequence.shape[1], 384 }, batch.Sequence.shape);
        Assert.Equal(2, cached.Count);
        int calls = inner.Calls;
        using var recent = cached.Encode(["", "pizza"]); // the two most recently used are the ones kept
        Assert.Equal(calls, inner.Calls);
        using var evicted = cached.Encode(["red apple"]);
        Assert.Equal(calls + 1, inner.Calls);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CachedTextEncoder(inner, 0));
        Assert.Equal(MiniLmTextEncoder.EncoderName, cached.Name);
    }
}
