using System.Text.Json;
using T2I.Core.VisualTokenizer;
using T2I.Training.Tests.Loop;
using T2I.Training.Tokenizer;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Tokenizer;

[Collection(GlobalTorchState.Name)]
public class EncoderPretrainTests
{
    /// <summary>
    /// The regression the tiny presets hit: pretraining "ran" but its accuracy stayed at chance. On a handful of images
    /// (two shapes, chance 0.5; plus the background colour as a second target, and a target no row is labelled with) the
    /// training accuracy must climb well above chance within 100 steps.
    /// </summary>
    [Fact]
    public async Task PretrainingLearnsTheShapesOfAHandfulOfImages()
    {
        using var tmp = new TempDir();
        string data = Path.Combine(tmp.Path, "buckets"), run = Path.Combine(tmp.Path, "pre");
        await TokenizerTestRuns.WriteShardsAsync(data, perBucket: 8);
        PretrainTarget[] targets = [new("shape", ["circle", "square"]), new("color", ["red", "blue"]), new("missing", ["a", "b"])];
        var result = TokenizerTestRuns.Run("encoder-pretrain", run, data, null, steps: 100, lr: 2e-3, targets: targets);
        Assert.True(result.Completed);
        var rows = File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.TryGetProperty("train/accuracy", out _)).ToList();
        double Mean(IEnumerable<JsonElement> rs, string key) => rs.Average(r => r.GetProperty(key).GetDouble());
        var last = rows.TakeLast(20).ToList();
        Assert.True(Mean(last, "train/accuracy") >= 0.8, $"train accuracy {Mean(last, "train/accuracy"):F2} over the last 20 steps; curve {string.Join(" ", rows.Chunk(10).Select(c => c.Average(r => r.GetProperty("train/accuracy").GetDouble()).ToString("F2")))}");
        Assert.True(Mean(last, "train/accuracy/color") >= 0.9, $"colour accuracy {Mean(last, "train/accuracy/color"):F2}");
        Assert.Equal(0, Mean(last, "train/accuracy/missing")); // a field no row has is unlabelled: no loss, no accuracy
        Assert.True(Mean(last, "loss") < 0.6 * 2 * Math.Log(2), $"loss {Mean(last, "loss"):F3}");
    }

    [Fact]
    public void AdamWDecaysWeightMatricesButNotGammasNormsBiasesOrTokens()
    {
        using var scope = NewDisposeScope();
        var vit = new VisionTransformer(new VisionTransformerConfig(16, 1, 2, Registers: 1, PretrainGrid: 2, LayerScaleInit: 1.0));
        var named = vit.named_parameters().ToArray();
        var before = named.ToDictionary(kv => kv.name, kv => kv.parameter.detach().clone());
        var optimizer = WeightDecayGroups.AdamW(named, lr: 0.1, weightDecay: 0.5);
        named.Select(kv => kv.parameter.sum() * 0).Aggregate((a, b) => a + b).backward(); // zero gradients: only weight decay moves a parameter
        optimizer.step();
        foreach (var (name, p) in named)
        {
            bool moved = !p.detach().allclose(before[name], rtol: 0, atol: 0);
            Assert.True(moved == !VisionTransformer.ExcludedFromWeightDecay(name, p), $"{name} moved: {moved}");
        }
        Assert.Equal(2, optimizer.ParamGroups.Count());
    }
}
