using T2I.Core.Checkpoints;
using T2I.Core.Inference;
using T2I.Training.Dit;
using T2I.Training.Loop;
using T2I.Training.Tests.Loop;

namespace T2I.Training.Tests.Dit;

/// <summary>The DiT on a trained codec's latents: cache keyed by the codec, statistics and weights travel in the checkpoint.</summary>
[Collection(GlobalTorchState.Name)]
public class DitLatentCodecTests
{
    private static Preset Tiny(string data, string latents, long steps = 4)
    {
        var preset = DitTrainingTests.Tiny(data, steps, latents: latents);
        return preset with { Loop = preset.Loop with { CheckpointEvery = steps } };
    }

    private static RunOptions Options(string dir) => new(dir) { Device = "cpu", WritePlots = false, Log = _ => { } };

    [Fact]
    public void CheckpointCarriesTheCodecAndItsStatisticsAndDecodesAlone()
    {
        using var tmp = new TempDir();
        string tok = DitTestData.WriteTokenizerRun(tmp.Sub("tok"), seed: 1);
        string data = DitTestData.WriteShards(tmp.Sub("data"), perBucket: 12);
        Assert.True(TrainingLoop.Run(Tiny(data, tok), Options(tmp.Sub("run"))).Completed);

        var folder = CheckpointFolder.Open(tmp.Sub("run"));
        Assert.True(folder.Has(LatentCodecs.WeightsFileName));
        var config = T2IModelConfig.FromJson(folder.ReadConfig().ModelConfig!, folder.Path);
        var codec = config.Codec!;
        Assert.Equal("aligned", codec.Kind);
        Assert.Equal(LatentCodecs.Describe(tok).Identity, codec.Identity);
        Assert.Equal(4, codec.LatentChannels);
        Assert.Equal(4, config.Dit.InChannels);
        Assert.Equal(4, codec.Std.Length);
        Assert.All(codec.Std, s => Assert.True(s > 0 && float.IsFinite(s)));
        Assert.Contains(codec.Mean, m => m != 0f); // real statistics, not the identity

        // The tokenizer folder can go: the T2I checkpoint decodes with its bundled copy.
        Directory.Delete(tok, recursive: true);
        var pipeline = T2IPipeline.FromCheckpoint(tmp.Sub("run"));
        var png = pipeline.Generate(new GenerationRequest("a red circle", "", 64, 64, 2, 5.0, 1)).Png;
        Assert.Equal(png, T2IPipeline.FromCheckpoint(tmp.Sub("run")).Generate(new GenerationRequest("a red circle", "", 64, 64, 2, 5.0,
            1)).Png);
    }

    [Fact]
    public void LatentCacheIsKeyedByTheCodecCheckpoint()
    {
        using var tmp = new TempDir();
        string a = DitTestData.WriteTokenizerRun(tmp.Sub("tok-a"), seed: 1);
        string b = DitTestData.WriteTokenizerRun(tmp.Sub("tok-b"), seed: 2);
        string data = DitTestData.WriteShards(tmp.Sub("data"), perBucket: 12);
        string run = tmp.Sub("run");
        string cache = Path.Combine(run, "latent-cache");
        TrainingLoop.Run(Tiny(data, a, steps: 1), Options(run));
        string encoded = Assert.Single(Directory.GetDirectories(cache));
        var written = File.GetLastWriteTimeUtc(Path.Combine(encoded, LatentShardManifest.FileName));
        TrainingLoop.Run(Tiny(data, a, steps: 2), Options(run)); // resume, same codec: cache reused, not rewritten
        Assert.Equal(encoded, Assert.Single(Directory.GetDirectories(cache)));
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(encoded, LatentShardManifest.FileName)));
        TrainingLoop.Run(Tiny(data, b, steps: 1), Options(tmp.Sub("run-b")));
        string other = Assert.Single(Directory.GetDirectories(Path.Combine(tmp.Sub("run-b"), "latent-cache")));
        Assert.NotEqual(Path.GetFileName(encoded), Path.GetFileName(other));
    }
}

/// <summary>Generation accuracy during training: the T2I.Core.Eval judge, trained once per run on the shards' labels.</summary>
[Collection(GlobalTorchState.Name)]
public class DitGenerationEvalTests
{
    [Fact]
    public void EvaluationJudgesGenerationsWithTheRunsClassifier()
    {
        using var tmp = new TempDir();
        string data = DitTestData.WriteShards(tmp.Sub("data"), perBucket: 16);
        var preset = DitTrainingTests.Tiny(data, 2);
        preset = preset with { Loop = preset.Loop with { EvalEvery = 2, CheckpointEvery = 2 } };
        string run = tmp.Sub("run");
        Assert.True(TrainingLoop.Run(preset, new RunOptions(run) { Device = "cpu", WritePlots = false, Log = _ => { } }).Completed);

        var eval = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!)
            .Last(n => n["eval/color_acc"] is not null);
        Assert.InRange(eval["eval/color_acc"]!.GetValue<double>(), 0, 1);
        Assert.InRange(eval["eval/shape_acc"]!.GetValue<double>(), 0, 1);
        Assert.Equal(1.0 / DitTestData.Colors.Length, eval["eval/color_chance"]!.GetValue<double>(), 6);
        Assert.Equal(1.0 / DitTestData.Shapes.Length, eval["eval/shape_chance"]!.GetValue<double>(), 6);
        // one image per distinct (colour, shape) prompt, up to eval_prompts
        var pngs = Directory.GetFiles(Path.Combine(run, "eval"), "*.png", SearchOption.AllDirectories);
        Assert.Equal(6, pngs.Length);
        Assert.Equal(6, pngs.Select(p => string.Join('-', Path.GetFileNameWithoutExtension(p).Split('-')[1..])).Distinct().Count());
        var asked = pngs.Select(p => Path.GetFileNameWithoutExtension(p).Split('-')).ToList();
        int colors = asked.Select(a => a[1]).Distinct().Count(), shapes = asked.Select(a => a[2]).Distinct().Count();
        Assert.Equal(1.0 / colors, eval["eval/color_prompt_chance"]!.GetValue<double>(), 6);
        Assert.Equal(1.0 / shapes, eval["eval/shape_prompt_chance"]!.GetValue<double>(), 6);
        Assert.Equal(1.0 / (colors * shapes), eval["eval/both_prompt_chance"]!.GetValue<double>(), 6);
        var judge = T2I.Core.Eval.SyntheticAttributeClassifier.Load(Path.Combine(run, GenerationEval.ClassifierDir));
        Assert.Equal(DitTestData.Colors.Select(c => c.Name).Order(StringComparer.Ordinal), judge.Vocabulary.Colors);
    }
}
