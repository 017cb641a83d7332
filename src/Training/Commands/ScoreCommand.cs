using System.CommandLine;
using T2I.Core;
using T2I.Core.Eval;
using static TorchSharp.torch;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training score --images DIR [--prompts F] [--clip DIR] [--reference DIR --fd-encoder dinov2:PATH|clip] [--judge DIR]</c>:
/// CLIP score, Fréchet distance against reference images, and synthetic-attribute accuracy of a folder of generations.
/// Every figure needs user-supplied weights (nothing is downloaded); FD over DINOv2 is FD_DINOv2, not Inception FID.
/// </summary>
public static class ScoreCommand
{
    public static Command Build()
    {
        var images = new Option<string>("--images") { Description = "Folder of generated images (PNG/JPEG/WebP).", Required = true };
        var prompts = new Option<string?>("--prompts")
        {
            Description = "Prompts, one line per image in file-name order (default: " +
            "each PNG's 'parameters' chunk)."
        };
        var clip = new Option<string?>("--clip")
        {
            Description = "HF CLIPModel folder (config.json, vocab.json, merges.txt, " +
            "*.safetensors) for the CLIP score."
        };
        var reference = new Option<string?>("--reference") { Description = "Folder of reference (real) images for the Fréchet distance." };
        var encoder = new Option<string?>("--fd-encoder")
        {
            Description = "Features for FD: dinov2:PATH (timm ViT safetensors), resnet18 (ImageNet, from its " +
            "package) or clip (the --clip vision tower)."
        };
        var judge = new Option<string?>("--judge")
        {
            Description = "Judge folder for generation accuracy: synthetic attributes (models/judge-synth) or " +
            "concepts (train-concept-judge)."
        };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 1 };
        var command = new Command("score",
            "Score a folder of generated images: CLIP score, Fréchet distance (FD_DINOv2 or CLIP features), judge accuracy.")
        {
            images, prompts, clip, reference, encoder, judge, threads,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            TorchRuntime.SetThreads(parse.GetValue(threads));
            try
            {
                var list = ImageFolder.List(parse.GetRequiredValue(images), parse.GetValue(prompts));
                using var clipScore = parse.GetValue(clip) is { } clipDir ? ClipScore.Load(clipDir) : null;
                if (clipScore is not null) output.WriteLine(Clip(clipScore, list));
                if (parse.GetValue(reference) is { } refDir)
                {
                    var features = Encoder(parse.GetValue(encoder), clipScore)
                        ?? throw new ArgumentException("--reference needs --fd-encoder dinov2:PATH or clip (with --clip).");
                    var refList = ImageFolder.List(refDir);
                    using var a = Features(features, list);
                    using var b = Features(features, refList);
                    output.WriteLine($"FD_{features.Name}: " +
                        $"{FrechetDistance.Compute(a, b).ToString("G6", System.Globalization.CultureInfo.InvariantCulture)} " +
                        $"({list.Count} generated vs {refList.Count} reference images)" +
                                     (features.Name == "dinov2" ? " — FD over DINOv2 features, not Inception FID" : ""));
                }
                if (parse.GetValue(judge) is { } judgeDir)
                    output.Write(ConceptJudge.IsSavedIn(judgeDir)
                        ? Concepts(judgeDir, list)
                        : Judge(SyntheticAttributeClassifier.Load(judgeDir), list));
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or NotSupportedException)
            {
                error.WriteLine($"score: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static IImageFeatureEncoder? Encoder(string? spec, ClipScore? clip) => spec switch
    {
        null => null,
        "clip" => clip?.Vision ?? throw new ArgumentException("--fd-encoder clip needs --clip DIR."),
        _ when spec.StartsWith("dinov2:", StringComparison.Ordinal) => DinoV2Features.Load(spec["dinov2:".Length..]),
        ResNetFeatures.EncoderName => ResNetFeatures.FromPackage(),
        _ => throw new ArgumentException($"Unknown --fd-encoder '{spec}' (dinov2:PATH, resnet18 or clip)."),
    };

    private static Tensor Features(IImageFeatureEncoder encoder, IReadOnlyList<ScoredImage> list)
    {
        using var scope = NewDisposeScope();
        return cat(list.Select(i => encoder.Features(ImageFolder.Load(i.Path))).ToList(), 0).MoveToOuterDisposeScope();
    }

    private static string Clip(ClipScore clip, IReadOnlyList<ScoredImage> list)
    {
        var missing = list.Where(i => i.Prompt is null).Select(i => Path.GetFileName(i.Path)).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"No prompt for {string.Join(", ", missing.Take(5))} (give --prompts).");
        var scores = list.Select(i =>
        {
            using var image = ImageFolder.Load(i.Path);
            return clip.PerImage(image, [i.Prompt!])[0];
        }).ToList();
        double mean = scores.Average(), sd = Math.Sqrt(scores.Sum(s => (s - mean) * (s - mean)) / Math.Max(1, scores.Count - 1));
        return $"CLIP score: {mean:0.00} ± {1.96 * sd / Math.Sqrt(scores.Count):0.00} (95% CI of the mean, n={scores.Count})";
    }

    private static string Concepts(string judgeDir, IReadOnlyList<ScoredImage> list)
    {
        using var judge = ConceptJudge.Load(judgeDir);
        using var encoder = ResNetFeatures.FromPackage(judge.ImageSize);
        return ConceptJudgement.Of(judge, encoder, list).Summary();
    }

    private static string Judge(SyntheticAttributeClassifier judge, IReadOnlyList<ScoredImage> list)
    {
        var usable = list.Select(i => (i.Path, Request: i.Prompt is null ? null : AttributeRequest.FromCaption(i.Prompt, judge.Vocabulary)))
            .Where(p => p.Request is not null).ToList();
        if (usable.Count == 0) return "judge: no prompt names a colour and shape the judge knows\n";
        using var scope = NewDisposeScope();
        // Images may differ in size: judge one at a time, then score all predictions together.
        var result = GenerationAccuracy.Evaluate(judge, usable.Select(p => ImageFolder.Load(p.Path)).ToList(), usable.Select(p =>
            p.Request!).ToList());
        return $"judge ({usable.Count} of {list.Count} images have parseable " +
            $"prompts):\n{result.Summary()}{result["shape"]?.ConfusionTable()}";
    }
}
