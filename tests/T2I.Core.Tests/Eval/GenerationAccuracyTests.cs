using SkiaSharp;
using T2I.Core;
using T2I.Core.Data;
using T2I.Core.Eval;
using T2I.Core.Inference;
using T2I.Core.Synthesis;

namespace T2I.Core.Tests.Eval;

/// <summary>The shipped judge (models/judge-synth) scoring generators whose output is known: the exact scene, or the wrong colour.</summary>
public class GenerationAccuracyTests
{
    /// <summary>Paints what the prompt asks for with dataprep's painter — or, with <paramref name="wrongColor"/>, the next palette colour.</summary>
    private sealed class PainterGenerator(AttributeVocabulary vocabulary, bool wrongColor) : ITextToImageGenerator
    {
        public string ModelId => wrongColor ? "painter-wrong-colour" : "painter";
        public int BaseResolution => 256;

        public GeneratedImage Generate(GenerationRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken ct = default)
        {
            var want = AttributeRequest.FromCaption(request.Prompt, vocabulary)!;
            string color = want.Color;
            if (wrongColor)
            {
                int i = vocabulary.ColorIndex(color);
                do color = vocabulary.Colors[++i % vocabulary.Colors.Count]; while (color == want.Background);
            }
            var spec = new SceneSpec(want.Shape, color, want.Background!, want.Size ?? "large", "center", request.Width, request.Height,
                (int)(request.Seed ?? 0));
            return new GeneratedImage(SynthScenes.Png(spec), request, ModelId, TimeSpan.Zero);
        }
    }

    private static string ShippedJudge()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "models", "judge-synth");
            if (File.Exists(Path.Combine(candidate, SyntheticAttributeClassifier.ConfigFile))) return candidate;
        }
        throw new DirectoryNotFoundException("models/judge-synth not found above the test binaries.");
    }

    [Fact]
    public void RightScenesScoreNearlyAllAndWrongColoursNearlyNone()
    {
        TorchRuntime.SetThreads(1);
        var judge = SyntheticAttributeClassifier.Load(ShippedJudge());
        Assert.Equal(SynthScenes.Vocabulary.ToJson(), judge.Vocabulary.ToJson());
        // Every colour and shape, large, at square, wide and tall buckets of the 256 table (2.5:1 to 4:1 and their portrait mirrors lie beyond the training shards').
        var buckets = new[] { (256, 256), (320, 208), (208, 320), (400, 160), (160, 400), (512, 128), (128, 512) }.Select(b => new AspectBucket(b.Item1, b.Item2)).ToList();
        var requests = JudgePrompts.Balanced(judge.Vocabulary with { Sizes = ["large"] }, buckets, count: 56, seed: 7);

        var right = GenerationAccuracy.Measure(new PainterGenerator(judge.Vocabulary, wrongColor: false), judge, requests);
        Assert.Equal(56, right.Count);
        Assert.True(right.ColorAccuracy >= 0.95, right.Summary());
        // Measured 79 %: the shipped judge still mixes circle, hexagon and square (see README / report).
        Assert.True(right.ShapeAccuracy >= 0.7, right.Summary() + right["shape"]!.ConfusionTable());
        Assert.True(right["background"]!.Accuracy >= 0.95, right.Summary());
        Assert.Equal(56, right["size"]!.Count);

        var wrong = GenerationAccuracy.Measure(new PainterGenerator(judge.Vocabulary, wrongColor: true), judge, requests);
        Assert.True(wrong.ColorAccuracy <= 0.05, wrong.Summary());
        Assert.True(wrong.BothAccuracy <= 0.05, wrong.Summary());
        Assert.True(wrong.ShapeAccuracy >= 0.7, wrong.Summary()); // only the colour is wrong
        Assert.True(wrong["color"]!.Interval95.High < 0.1, wrong.Summary());
    }
}
