using T2I.Core.Emoji;

namespace T2I.Core.Tests.Emoji;

public class EmojiKeyTests
{
    [Theory]
    [InlineData("2764-FE0F", "2764")]
    [InlineData("0023-FE0F-20E3", "0023-20e3")]
    [InlineData("1F3C3-200D-2640-FE0F", "1f3c3-200d-2640")]
    [InlineData("1f34e", "1f34e")]
    [InlineData("23-fe0f-20e3", "0023-20e3")]
    [InlineData("1f3f4-e0067_e0062_e0065_e006e_e0067", "1f3f4-e0067-e0062-e0065-e006e-e0067")]
    [InlineData("1F3F4-E0067-E0062-E0065-E006E-E0067-E007F", "1f3f4-e0067-e0062-e0065-e006e-e0067")]
    public void CodePointsJoinWithoutVariationSelector16(string codePoints, string key) => Assert.Equal(key, EmojiKey.Of(codePoints));

    [Theory]
    [InlineData("men’s room", "mens-room")]
    [InlineData("keycap: 1", "keycap-1")]
    [InlineData("piñata", "piata")]
    [InlineData("1st place medal", "1st-place-medal")]
    [InlineData("woman: red hair", "woman-red-hair")]
    [InlineData("Mrs. Claus", "mrs-claus")]
    public void LabelsSlugAsIconifyNamesThem(string label, string slug) => Assert.Equal(slug, EmojiKey.Slug(label));

    [Fact]
    public void StylesParseInCanonicalOrderAndUnknownOnesAreRefused()
    {
        Assert.Equal(["google", "fluent-flat"], EmojiStyle.Parse("fluent-flat, GOOGLE"));
        Assert.Equal(EmojiStyle.All, EmojiStyle.Parse(null));
        var e = Assert.Throws<ArgumentException>(() => EmojiStyle.Parse("google,apple"));
        Assert.Contains("'apple'", e.Message);
    }
}
