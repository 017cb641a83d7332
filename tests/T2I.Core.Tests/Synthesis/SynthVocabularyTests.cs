using System.Text.Json;
using T2I.Core.Synthesis;

namespace T2I.Core.Tests.Synthesis;

public class SynthVocabularyTests
{
    [Fact]
    public void NarrowedVocabularyIsAllThatIsDrawnAndCaptioned()
    {
        var vocabulary = SynthVocabulary.Parse("circle, square,triangle", "red,green,blue,yellow", "white");
        var gen = new SyntheticLaionGenerator(seed: 4, count: 80, shards: 1, defectShare: 0, vocabulary);
        var seen = new HashSet<(string, string)>();
        foreach (var s in gen.Shard(0))
        {
            using var doc = JsonDocument.Parse(s.Json);
            var labels = doc.RootElement.GetProperty("t2i_labels");
            string shape = labels.GetProperty("shape").GetString()!, color = labels.GetProperty("color").GetString()!;
            Assert.Contains(shape, vocabulary.Shapes);
            Assert.Contains(color, vocabulary.Colors);
            Assert.Equal("white", labels.GetProperty("background").GetString());
            Assert.Contains($"{color} {shape}", System.Text.Encoding.UTF8.GetString(s.CaptionBytes));
            seen.Add((color, shape));
        }
        Assert.True(seen.Count >= 10, $"80 samples should cover most of the 12 colour × shape pairs, saw {seen.Count}");
    }

    [Fact]
    public void FullVocabularyDrawsExactlyWhatTheDefaultDraws()
    {
        var a = new SyntheticLaionGenerator(9, 20, 1, 0).Shard(0);
        var b = new SyntheticLaionGenerator(9, 20, 1, 0, SynthVocabulary.Parse(null, "", " ")).Shard(0);
        Assert.Equal(a.Select(s => s.Image), b.Select(s => s.Image));
    }

    [Theory]
    [InlineData("circle,blob", null, null, "unknown shape 'blob'")]
    [InlineData(null, "red,mauve", null, "unknown colour 'mauve'")]
    [InlineData(null, "red,white", "white", "colour 'white' has no background other than itself")]
    [InlineData("circle,circle", null, null, "listed twice")]
    public void BadVocabularyIsRefusedWithTheReason(string? shapes, string? colors, string? backgrounds, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => SynthVocabulary.Parse(shapes, colors, backgrounds));
        Assert.Contains(message, e.Message);
    }
}
