using SkiaSharp;
using T2I.Core.Data;
using T2I.Core.Inference;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Dit;

/// <summary>
/// The committed models follow colour and shape words: t2i-demo (the web default, aligned-tokenizer latents, built by
/// <c>training demo</c>) and t2i-tiny-demo (raw DCT latents, the comparison point).
/// </summary>
public class DemoModelTests
{
    /// <summary>A folder under the repository's models/ (default: the web's demo model).</summary>
    public static string DemoPath(string name = "t2i-demo")
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "T2I.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("repository root not found"), "models", name);
    }

    /// <summary>Mean RGB in [0, 255] of a generated PNG.</summary>
    private static float[] MeanColour(T2IPipeline pipeline, string prompt, int size)
    {
        var png = pipeline.Generate(new GenerationRequest(prompt, "", size, size, 12, 5.0, 3)).Png;
        using var bitmap = SKBitmap.Decode(png);
        using var image = ImageTensor.FromBitmap(bitmap);
        using var mean = (image.mean([1, 2]) + 1) * 127.5f;
        return mean.data<float>().ToArray();
    }

    [Theory]
    [InlineData("t2i-demo")]
    [InlineData("t2i-tiny-demo")]
    public void DemoModelFollowsColourWords(string model)
    {
        var pipeline = T2IPipeline.FromCheckpoint(DemoPath(model));
        int size = pipeline.BaseResolution;
        var red = MeanColour(pipeline, "a red circle", size);
        var blue = MeanColour(pipeline, "a blue circle", size);
        // Relative, judge-free: asking for red puts more red and less blue into the image than asking for blue.
        Assert.True(red[0] - red[2] > blue[0] - blue[2] + 10, $"red prompt RGB {string.Join(",", red)}, blue prompt RGB {string.Join(",", blue)}");
    }

    [Theory]
    [InlineData("t2i-demo")]
    [InlineData("t2i-tiny-demo")]
    public void DemoModelFollowsShapeWords(string model)
    {
        var pipeline = T2IPipeline.FromCheckpoint(DemoPath(model));
        using var judge = T2I.Core.Eval.SyntheticAttributeClassifier.Load(DemoPath("judge-synth"));
        int squareIndex = judge.Vocabulary.IndexOf(T2I.Core.Eval.AttributeVocabulary.Shape, "square");
        int shapeHead = judge.Attributes.ToList().IndexOf(T2I.Core.Eval.AttributeVocabulary.Shape);
        int SquaresSeen(string shape)
        {
            int seen = 0;
            foreach (var colour in new[] { "red", "green", "blue", "yellow" })
                for (int seed = 0; seed < 2; seed++)
                {
                    var png = pipeline.Generate(new GenerationRequest($"a {colour} {shape}", "", 128, 128, 20, 5.0, seed)).Png;
                    using var bitmap = SKBitmap.Decode(png);
                    using var image = ImageTensor.FromBitmap(bitmap).unsqueeze(0);
                    seen += judge.Predict(image)[shapeHead][0] == squareIndex ? 1 : 0;
                }
            return seen;
        }
        // Judged, fixed seeds, gen-accuracy's 20 DDIM steps: asking for a square yields clearly more squares than asking
        // for a triangle (same colours and seeds).
        int asked = SquaresSeen("square"), notAsked = SquaresSeen("triangle");
        Assert.True(asked >= notAsked + 3, $"judge saw a square in {asked}/8 'square' prompts and {notAsked}/8 'triangle' prompts");
    }

    [Fact]
    public void EmojiModelDrawsItsConceptsColours()
    {
        // models/t2i-emoji: MiniLM from its package, the aligned ResNet tokenizer's decoder, 64 px.
        var pipeline = T2IPipeline.FromCheckpoint(DemoPath("t2i-emoji"));
        Assert.Equal(64, pipeline.BaseResolution);
        var apple = MeanColour(pipeline, "red apple", 64);
        var cactus = MeanColour(pipeline, "cactus", 64);
        var paraphrase = MeanColour(pipeline, "an apple that is red", 64);
        // Red minus green: an apple is drawn redder than a cactus, in the label's words and in words it never saw.
        Assert.True(apple[0] - apple[1] > cactus[0] - cactus[1] + 20, $"apple {string.Join(",", apple)}, cactus {string.Join(",", cactus)}");
        Assert.True(paraphrase[0] - paraphrase[1] > cactus[0] - cactus[1] + 20, $"paraphrase {string.Join(",", paraphrase)}");
    }
}
