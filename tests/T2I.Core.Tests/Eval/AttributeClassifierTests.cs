using T2I.Core.Eval;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Eval;

public class AttributeClassifierTests
{
    private static readonly AttributeVocabulary Vocab = new(["blue", "red", "white"], ["circle", "star"], ["blue", "red", "white"],
        ["large", "small"], ["center", "left", "top left", "top right"]);

    /// <summary>A judge whose heads ignore the image and always answer the given class per attribute (weights 0, one-hot bias).</summary>
    private static SyntheticAttributeClassifier Constant(params int[] answers)
    {
        var judge = new SyntheticAttributeClassifier(Vocab, shortSide: 16, width: 8);
        using var noGrad = no_grad();
        foreach (var (name, p) in judge.named_parameters().Where(p => p.name.StartsWith("heads.")))
        {
            p.zero_();
            if (name.EndsWith(".bias")) p[answers[int.Parse(name.Split('.')[1])]] = tensor(5f);
        }
        return judge;
    }

    [Fact]
    public void RequestsAreParsedFromCaptionsAndLabels()
    {
        Assert.Equal(new AttributeRequest("red", "circle", "blue", "small"), AttributeRequest.FromCaption("a small red circle on a blue background", Vocab));
        Assert.Equal(new AttributeRequest("white", "star", "blue", "large", "top left"),
            AttributeRequest.FromCaption("Photo of a large White star in the top left, blue background", Vocab));
        Assert.Equal(new AttributeRequest("red", "star", "blue", null, "center"), AttributeRequest.FromCaption("red star in the center on a blue background", Vocab));
        Assert.Equal(new AttributeRequest("red", "star", "blue", null, "left"), AttributeRequest.FromCaption("red star in the left, blue backdrop", Vocab));
        Assert.Equal(new AttributeRequest("red", "star"), AttributeRequest.FromCaption("red star", Vocab));
        // Colour and shape only when the vocabulary has no other heads.
        Assert.Equal(new AttributeRequest("red", "star"), AttributeRequest.FromCaption("a small red star on blue", new AttributeVocabulary(["blue", "red"], ["star"])));
        Assert.Null(AttributeRequest.FromCaption("a red hexagon on blue", Vocab));
        Assert.Null(AttributeRequest.FromCaption("a circle on a blue background", Vocab));
        Assert.Equal(new AttributeRequest("red", "ring", "blue", "small", "top left"),
            AttributeRequest.FromLabels("""{"shape":"ring","color":"red","background":"blue","size":"small","position":"top left"}"""));
        Assert.Equal(new AttributeRequest("red", "ring"), AttributeRequest.FromLabels("""{"shape":"ring","color":"red"}"""));
        Assert.Throws<FormatException>(() => AttributeRequest.FromLabels("""{"shape":"ring"}"""));
        Assert.Throws<ArgumentException>(() => Vocab.ColorIndex("green"));
        var back = AttributeVocabulary.FromJson(Vocab.ToJson());
        Assert.Equal(Vocab.Attributes.Select(a => a.Classes), back.Attributes.Select(a => a.Classes));
        Assert.Equal(["color", "shape"], new AttributeVocabulary(["a"], ["b"]).Attributes.Select(a => a.Name));
    }

    [Fact]
    public void InputKeepsTheAspectRatioAtAFixedShortSide()
    {
        Assert.Equal((64L, 256L), SyntheticAttributeClassifier.TargetSize(128, 512, 64));
        Assert.Equal((171L, 64L), SyntheticAttributeClassifier.TargetSize(384, 144, 64));
        Assert.Equal((64L, 64L), SyntheticAttributeClassifier.TargetSize(200, 200, 64));
        var judge = Constant(0, 0, 0, 0, 0);
        using var x = rand(2, 3, 96, 240) * 2 - 1;
        using var prepared = judge.Prepare(x);
        Assert.Equal(new long[] { 2, 3, 16, 40 }, prepared.shape);
        Assert.Equal("top right", JudgeAugmentation.MirrorPosition("top left"));
        Assert.Equal("right", JudgeAugmentation.MirrorPosition("left"));
        Assert.Equal("center", JudgeAugmentation.MirrorPosition("center"));
    }

    [Fact]
    public void GenerationAccuracyCountsHitsAndConfusionPerRequestedAttribute()
    {
        // Always sees: red, star, blue, small, left.
        var judge = Constant(1, 1, 0, 1, 1);
        using var images = zeros(4, 3, 16, 24);
        var result = GenerationAccuracy.Evaluate(judge, images,
        [
            new("red", "star", "blue", "small", "left"),     // all right
            new("red", "circle", "white"),                   // colour right, shape and background wrong
            new("blue", "star", Position: "top left"),       // shape right
            new("white", "circle", "blue", "large"),         // background right
        ]);
        Assert.Equal(4, result.Count);
        Assert.Equal(0.5, result.ColorAccuracy);
        Assert.Equal(0.5, result.ShapeAccuracy);
        Assert.Equal(0.25, result.BothAccuracy);
        Assert.Equal(1.0 / 6, result.BothChance, 12);
        Assert.Equal(3, result["background"]!.Count);
        Assert.Equal(2, result["background"]!.Hits);
        Assert.Equal(2, result["size"]!.Count);
        Assert.Equal(1, result["size"]!.Hits);
        Assert.Equal(2, result["position"]!.Count);
        var color = result["color"]!;
        // Rows = requested (blue, red, white), columns = seen; the judge always sees red (column 1).
        Assert.Equal([[0, 1, 0], [0, 2, 0], [0, 1, 0]], color.Confusion.Select(r => r.ToArray()).ToArray());
        Assert.Contains("red", color.ConfusionTable());
        Assert.Contains("color+shape", result.Summary());
        Assert.Throws<ArgumentException>(() => GenerationAccuracy.Evaluate(judge, images, [new("green", "star")]));
        Assert.Throws<ArgumentException>(() => GenerationAccuracy.Evaluate(judge, zeros(2, 3, 16, 16), [new("red", "star")]));
    }

    [Fact]
    public void WilsonIntervalMatchesTheClosedForm()
    {
        var (lo, hi) = BinomialInterval.Wilson(0, 10);
        Assert.Equal(0, lo, 6);
        Assert.Equal(0.277533, hi, 5);
        (lo, hi) = BinomialInterval.Wilson(5, 10);
        Assert.Equal(0.236593, lo, 5);
        Assert.Equal(0.763407, hi, 5);
        (lo, hi) = BinomialInterval.Wilson(95, 100);
        Assert.Equal(0.888250, lo, 5);
        Assert.Equal(0.978456, hi, 5);
        Assert.Equal((0.0, 1.0), BinomialInterval.Wilson(0, 0));
    }

    [Fact]
    public void SavedJudgeLoadsWithTheSamePredictions()
    {
        TorchRuntime.Seed(3);
        var judge = new SyntheticAttributeClassifier(Vocab, shortSide: 16, width: 8);
        string dir = Path.Combine(Path.GetTempPath(), $"t2i-judge-{Guid.NewGuid():N}");
        try
        {
            judge.Save(dir);
            var back = SyntheticAttributeClassifier.Load(dir);
            Assert.Equal(16, back.ShortSide);
            Assert.Equal(judge.Attributes, back.Attributes);
            using var x = rand(3, 3, 40, 24) * 2 - 1;
            judge.eval();
            using var a = cat(judge.forward(judge.Prepare(x)), 1);
            using var b = cat(back.forward(back.Prepare(x)), 1);
            Assert.True(a.allclose(b, rtol: 0, atol: 1e-6));
            Assert.Throws<FileNotFoundException>(() => SyntheticAttributeClassifier.Load(Path.Combine(dir, "nope")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
