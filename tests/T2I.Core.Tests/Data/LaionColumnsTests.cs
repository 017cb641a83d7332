using T2I.Core.Data;

namespace T2I.Core.Tests.Data;

public class LaionColumnsTests
{
    [Fact]
    public void Laion5BUpperCaseColumnsWithFloatSizes()
    {
        var r = LaionColumns.Map(new Dictionary<string, object?>
        {
            ["URL"] = "https://a.example/x.jpg", ["TEXT"] = "a cat", ["WIDTH"] = 640.0f, ["HEIGHT"] = 480.0,
            ["similarity"] = 0.31, ["punsafe"] = 0.02f, ["pwatermark"] = 0.7, ["AESTHETIC_SCORE"] = 5.5f, ["hash"] = -42L,
        });
        Assert.Equal("https://a.example/x.jpg", r.Url);
        Assert.Equal("a cat", r.Caption);
        Assert.Equal((640, 480), (r.Width, r.Height));
        Assert.Equal(0.02, r.PUnsafe!.Value, 5);
        Assert.Equal(5.5, r.Aesthetic!.Value, 5);
        Assert.Equal("-42", r.Hash);
    }

    [Fact]
    public void Laion400MStringNsfwAndNullsAndStrings()
    {
        var r = LaionColumns.Map(new Dictionary<string, object?>
        {
            ["SAMPLE_ID"] = 123L, ["url"] = null, ["caption"] = "dog", ["NSFW"] = "UNSURE", ["WIDTH"] = "512",
            ["HEIGHT"] = double.NaN, ["aesthetic"] = "not a number",
        });
        Assert.Equal("123", r.Key);
        Assert.Null(r.Url);
        Assert.Equal("UNSURE", r.NsfwLabel);
        Assert.Equal(512, r.Width);
        Assert.Null(r.Height);
        Assert.Null(r.Aesthetic);
    }

    [Fact]
    public void Img2DatasetJsonAndFill()
    {
        var j = LaionColumns.MapJson("""{"key":"000001","status":"success","caption":"x","width":256,"height":256,"original_width":1024,"original_height":1024,"pwatermark":null}"""u8);
        Assert.Equal("success", j.Status);
        Assert.Equal(1024, j.OriginalWidth);
        Assert.Null(j.PWatermark);
        var filled = j.FillFrom(new LaionRecord { PWatermark = 0.1, Caption = "other" });
        Assert.Equal(0.1, filled.PWatermark);
        Assert.Equal("x", filled.Caption);
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => LaionColumns.MapJson("{not json"u8));
        Assert.True(LaionColumns.IsRecognised(["URL", "TEXT"]));
        Assert.False(LaionColumns.IsRecognised(["foo", "bar"]));
    }
}
