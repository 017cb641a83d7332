using T2I.Core.Data;

namespace T2I.Core.Tests;

public class AspectBucketsTests
{
    [Theory]
    [InlineData(256)]
    [InlineData(512)]
    public void TablesAreMultiplesOf16WithNearConstantAreaAndIncludeSquare(int r)
    {
        var table = AspectBuckets.For(r);
        Assert.Contains(new AspectBucket(r, r), table);
        Assert.True(table.Count >= 15, $"only {table.Count} buckets");
        foreach (var b in table)
        {
            Assert.Equal(0, b.Width % 16);
            Assert.Equal(0, b.Height % 16);
            Assert.InRange((double)b.Width * b.Height / (r * r), 0.85, 1.15);
            Assert.InRange(b.AspectRatio, 0.25, 4.0);
        }
        Assert.Equal(table.Count, table.Select(b => b.AspectRatio).Distinct().Count());
    }

    [Fact]
    public void NearestPicksTheClosestAspect()
    {
        Assert.Equal(new AspectBucket(256, 256), AspectBuckets.Nearest(256, 1000, 990));
        var wide = AspectBuckets.Nearest(256, 1600, 900);
        Assert.InRange(wide.AspectRatio, 1.6, 1.95);
        var tall = AspectBuckets.Nearest(512, 900, 1600);
        Assert.InRange(tall.AspectRatio, 1 / 1.95, 1 / 1.6);
        Assert.True(AspectBuckets.Contains(256, wide.Width, wide.Height));
        Assert.False(AspectBuckets.Contains(256, 250, 256));
    }

    [Fact]
    public void BucketNamesRoundTrip()
    {
        foreach (var b in AspectBuckets.For(256)) Assert.Equal(b, AspectBucket.Parse(b.Name));
        Assert.Throws<FormatException>(() => AspectBucket.Parse("wide"));
    }

    [Theory]
    [InlineData("320x192", 320, 192)]
    [InlineData("256x256", 256, 256)]
    [InlineData("wide", 0, 0)]
    [InlineData("256x", 0, 0)]
    [InlineData("1x2x3", 0, 0)]
    [InlineData("", 0, 0)]
    [InlineData(null, 0, 0)]
    public void TryParseReadsWxHAndNothingElse(string? text, int width, int height)
    {
        var bucket = AspectBucket.TryParse(text);
        if (width == 0) Assert.Null(bucket);
        else Assert.Equal(new AspectBucket(width, height), bucket);
    }
}
