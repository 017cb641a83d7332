using SkiaSharp;
using T2I.Core.Data;
using T2I.Core.Eval;
using T2I.Core.Inference;
using static TorchSharp.torch;

namespace T2I.Training.Dit;

/// <summary>One evaluation prompt: a training caption and the colour and shape its labels say it shows.</summary>
public sealed record EvalPrompt(string Caption, AttributeRequest Requested);

/// <summary>
/// Generation accuracy of the DiT during training: images generated from captions of the data are judged by the
/// one attribute classifier of T2I.Core.Eval (<see cref="GenerationAccuracy"/>), which is trained on the data's
/// labels once per run unless a trained one is given.
/// </summary>
public static class GenerationEval
{
    public const string ClassifierDir = "eval-classifier";

    /// <summary>
    /// The first row of each distinct (colour, shape) in the given order, up to <paramref name="count"/>; rows without labels
    /// are passed over. At most <paramref name="maxRows"/> rows are looked at: data without labels (LAION) is not read whole.
    /// </summary>
    public static IReadOnlyList<EvalPrompt> SelectPrompts(IEnumerable<(string Caption, string? Labels)> rows, int count,
        int maxRows = 20_000)
    {
        var picked = new List<EvalPrompt>();
        if (count <= 0) return picked;
        var seen = new HashSet<(string Color, string Shape)>();
        foreach (var (caption, labels) in rows.Take(maxRows))
        {
            if (labels is null) continue;
            AttributeRequest request;
            try { request = AttributeRequest.FromLabels(labels); }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException) { continue; }
            if (seen.Add((request.Color, request.Shape))) picked.Add(new EvalPrompt(caption, request));
            if (picked.Count == count) break;
        }
        return picked;
    }

    /// <summary>The configured classifier, else the run's own (eval-classifier/), else one trained now on the shards'
    /// labels and saved there.</summary>
    public static SyntheticAttributeClassifier LoadOrTrainClassifier(DitTrainConfig config, string runDir, long seed, Action<string> log)
    {
        // `--set eval_classifier=` gives null
        if (!string.IsNullOrEmpty(config.EvalClassifier)) return SyntheticAttributeClassifier.Load(config.EvalClassifier);
        string dir = Path.Combine(runDir, ClassifierDir);
        if (SyntheticAttributeClassifier.IsSavedIn(dir)) return SyntheticAttributeClassifier.Load(dir);
        var classifier = TrainClassifier(config.Data, config.ShardResolution, seed, log);
        classifier.Save(dir);
        return classifier;
    }

    public static SyntheticAttributeClassifier TrainClassifier(string data, int shardResolution, long seed, Action<string> log,
        int maxRows = 4000)
    {
        int skipped = 0;
        var rows = ShardRows.Read(ShardRows.Open(data, shardResolution), maxRows, ref skipped);
        using var dataset = AttributeDataset.FromRows(rows, shortSide: 64);
        if (dataset.Count == 0) throw new InvalidDataException($"{data}: no rows with colour/shape labels to train the generation " +
            $"judge on.");
        manual_seed(seed);
        var classifier = new SyntheticAttributeClassifier(dataset.Vocabulary);
        double loss = AttributeClassifierTrainer.Train(classifier, dataset, new AttributeClassifierTrainOptions(Seed: (int)seed));
        log($"eval: attribute classifier trained on {dataset.Count} labelled rows ({dataset.Skipped + skipped} skipped), " +
            $"{dataset.Vocabulary.Colors.Count} colours × {dataset.Vocabulary.Shapes.Count} shapes, final loss {loss:0.###}");
        return classifier;
    }

    /// <summary>One image per prompt (seed = its index) at the square bucket, PNGs written to <paramref
    /// name="outputDir"/>, judged together.</summary>
    public static Dictionary<string, double> Measure(T2IPipeline pipeline, SyntheticAttributeClassifier judge,
        IReadOnlyList<EvalPrompt> prompts,
        DitTrainConfig config, string outputDir)
    {
        var usable = prompts.Where(p => judge.Vocabulary.Colors.Contains(p.Requested.Color)
            && judge.Vocabulary.Shapes.Contains(p.Requested.Shape)).ToList();
        if (usable.Count == 0) return new Dictionary<string, double>();
        Directory.CreateDirectory(outputDir);
        var bucket = AspectBuckets.Nearest(config.Resolution, 1, 1);
        using var scope = NewDisposeScope();
        var images = new List<Tensor>();
        for (int i = 0; i < usable.Count; i++)
        {
            var request = new GenerationRequest(usable[i].Caption, "", bucket.Width, bucket.Height, config.EvalSteps,
                config.EvalGuidance, i);
            var png = pipeline.Generate(request).Png;
            File.WriteAllBytes(Path.Combine(outputDir, $"{i:D3}-{usable[i].Requested.Color}-{usable[i].Requested.Shape}.png"), png);
            using var bitmap = SKBitmap.Decode(png);
            images.Add(ImageTensor.FromBitmap(bitmap));
        }
        var r = GenerationAccuracy.Evaluate(judge, stack(images), usable.Select(p => p.Requested).ToList());
        return new Dictionary<string, double>
        {
            ["color_acc"] = r.ColorAccuracy, ["shape_acc"] = r.ShapeAccuracy, ["both_acc"] = r.BothAccuracy,
            ["color_chance"] = r.ColorChance, ["shape_chance"] = r.ShapeChance,
            // What a model that ignores the word would score over the prompts actually asked (the judge's vocabulary is wider).
            ["color_prompt_chance"] = r.ColorPromptedChance, ["shape_prompt_chance"] = r.ShapePromptedChance,
            ["both_prompt_chance"] = r.BothPromptedChance,
        };
    }
}
