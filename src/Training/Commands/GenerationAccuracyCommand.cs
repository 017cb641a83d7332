using System.CommandLine;
using T2I.Core;
using T2I.Core.Emoji;
using T2I.Core.Eval;
using T2I.Core.Inference;
using T2I.Training.Judging;

namespace T2I.Training.Commands;

/// <summary>
/// <c>training gen-accuracy MODEL --judge models/judge-synth</c>: prompt adherence of a T2I checkpoint on the synthetic
/// domain. Generates "a {colour} {shape}" for every colour × shape asked for (default: the judge's whole vocabulary),
/// <c>--per-prompt</c> seeds each, at the model's square bucket, and prints accuracy with 95 % Wilson intervals against
/// two chance levels: uniform over the judge's classes, and uniform over the prompted set (what a model ignoring the
/// prompt but drawing the prompted colours/shapes evenly would score).
/// </summary>
public static class GenerationAccuracyCommand
{
    public static Command Build()
    {
        var model = new Argument<string>("model") { Description = "T2I checkpoint or run folder (e.g. models/t2i-demo)." };
        var judge = new Option<string>("--judge")
        {
            Description = "Synthetic-attribute judge folder.", DefaultValueFactory = _ =>
            "models/judge-synth"
        };
        var colors = new Option<string?>("--colors") { Description = "Comma-separated colours to prompt (default: the judge's)." };
        var shapes = new Option<string?>("--shapes") { Description = "Comma-separated shapes to prompt (default: the judge's)." };
        var perPrompt = new Option<int>("--per-prompt") { Description = "Seeds per prompt.", DefaultValueFactory = _ => 4 };
        var steps = new Option<int>("--steps")
        {
            Description = $"DDIM steps ({GenerationLimits.MinSteps}–{GenerationLimits.MaxSteps}).",
            DefaultValueFactory = _ => 20
        };
        var guidance = new Option<double>("--cfg")
        {
            Description =
            $"CFG scale ({GenerationLimits.MinGuidance}–{GenerationLimits.MaxGuidance}).",
            DefaultValueFactory = _ => GenerationRequest.DefaultGuidance
        };
        var output = new Option<string?>("--out") { Description = "Folder to save the PNGs in (default: not saved)." };
        var grid = new Option<string?>("--grid")
        {
            Description = "Concept judge: also write a PNG grid, a column per listed concept, rows as trained " +
            "and paraphrased for the first two seeds."
        };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 1 };
        var command = new Command("gen-accuracy",
            "Generation accuracy of a T2I model on the synthetic domain (colour and shape, judged), with 95 % Wilson intervals.")
        {
            model, judge, colors, shapes, perPrompt, steps, guidance, output, grid, threads,
        };
        command.SetAction(parse =>
        {
            var console = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            TorchRuntime.SetThreads(parse.GetValue(threads));
            try { return Run(parse, console, error); }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
            {
                error.WriteLine($"gen-accuracy: {e.Message}");
                return 2;
            }
        });
        return command;

        int Run(ParseResult parse, TextWriter console, TextWriter error)
        {
            if (ConceptJudge.IsSavedIn(parse.GetRequiredValue(judge))) return RunConcepts(parse, console, error);
            using var classifier = SyntheticAttributeClassifier.Load(parse.GetRequiredValue(judge));
            var pipeline = new T2IPipeline(T2IPipeline.FromCheckpoint(parse.GetValue(model)!)) { PreviewEvery = 0 };
            var colorList = Split(parse.GetValue(colors)) ?? classifier.Vocabulary.Colors;
            var shapeList = Split(parse.GetValue(shapes)) ?? classifier.Vocabulary.Shapes;
            int seeds = parse.GetValue(perPrompt), side = pipeline.BaseResolution;
            var requests = (from c in colorList
                            from s in shapeList
                            from seed in Enumerable.Range(0, seeds)
                            select new GenerationRequest($"a {c} {s}", "", side, side, parse.GetValue(steps),
                                parse.GetValue(guidance), seed)).ToList();
            if (Refused(requests, side, error)) return 2;
            string? dir = parse.GetValue(output);
            if (dir is not null) Directory.CreateDirectory(dir);
            int done = 0;
            var result = GenerationAccuracy.Measure(pipeline, classifier, requests, (image, wanted) =>
            {
                if (dir is not null) File.WriteAllBytes(Path.Combine(dir,
                    $"{wanted.Color}-{wanted.Shape}-{image.Request.Seed}.png"), image.Png);
                if (++done % 20 == 0) error.WriteLine($"{done}/{requests.Count}");
            });
            console.WriteLine($"{pipeline.ModelId}: {requests.Count} images ({colorList.Count} colours × {shapeList.Count} shapes " +
                $"× {seeds} seeds), " +
                              $"{parse.GetValue(steps)} DDIM steps, CFG {parse.GetValue(guidance)}, {side}x{side}");
            console.Write(result.Summary());
            console.WriteLine($"chance over the prompted set: colour {result.ColorPromptedChance:P1}, shape " +
                $"{result.ShapePromptedChance:P1}, both {result.BothPromptedChance:P1}");
            if (result["shape"] is { } shape)
                console.WriteLine($"shape if the shape word were ignored (same output spread, Cohen's p_e): " +
                    $"{shape.IndependenceChance:P1}; colour: {result["color"]?.IndependenceChance:P1}");
            console.Write(result["shape"]?.ConfusionTable());
            return 0;
        }

        // A concept judge (models/judge-emoji): every listed prompt, as trained and paraphrased, seeds 0..N-1.
        int RunConcepts(ParseResult parse, TextWriter console, TextWriter error)
        {
            int seeds = parse.GetValue(perPrompt);
            var judged = ConceptCheckpointJudge.Run(parse.GetValue(model)!, parse.GetRequiredValue(judge), seeds, parse.GetValue(steps),
                parse.GetValue(guidance), parse.GetValue(output), (done, total) =>
                {
                    if (done % 20 == 0) error.WriteLine($"{done}/{total}");
                });
            if (parse.GetValue(grid) is { } gridFile)
            {
                // Requests run prompt by prompt, seeds innermost; prompts are the concepts as trained, then paraphrased.
                int concepts = EmojiJudgePrompts.All.Count / 2;
                var rows = (from paraphrased in new[] { 0, 1 }
                            from seed in Enumerable.Range(0, Math.Min(2, seeds))
                            select (IReadOnlyList<byte[]>)Enumerable.Range(0, concepts)
                                .Select(c => judged.Pngs[((paraphrased * concepts) + c) * seeds + seed]).ToList()).ToList();
                File.WriteAllBytes(gridFile, PromptGrid.Compose(rows));
            }
            console.WriteLine($"{judged.ModelId}: {judged.Requests.Count} images ({EmojiJudgePrompts.All.Count} prompts × {seeds} " +
                $"seeds), {parse.GetValue(steps)} DDIM steps, CFG {parse.GetValue(guidance)}, {judged.Side}x{judged.Side}; chance " +
                $"top-1 {1.0 / judged.JudgeConcepts:P2}");
            console.Write(judged.Judgement.Summary());
            return 0;
        }
    }

    private static bool Refused(IEnumerable<GenerationRequest> requests, int side, TextWriter error)
    {
        if (requests.Select(r => GenerationValidator.Validate(r, side)).FirstOrDefault(e => e is not null) is not { } invalid)
            return false;
        error.WriteLine($"gen-accuracy: {invalid}");
        return true;
    }

    private static IReadOnlyList<string>? Split(string? list) =>
        list is null ? null : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
