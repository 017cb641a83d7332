using System.CommandLine;
using System.Text.Json.Nodes;
using SkiaSharp;
using T2I.Training.Tests.Loop;

namespace T2I.Training.Tests.Tokenizer;

[Collection(GlobalTorchState.Name)]
public class EvalCommandTests
{
    private static Task<(int Code, string Out, string Err)> Invoke(params string[] args) => TrainingCli.Invoke(args);

    [Fact]
    public async Task EvaluatesARunOnLabelledShards()
    {
        using var tmp = new TempDir();
        string data = Path.Combine(tmp.Path, "buckets"), pre = Path.Combine(tmp.Path, "pre"), s1 = Path.Combine(tmp.Path, "s1"), report = Path.Combine(tmp.Path, "report");
        await TokenizerTestRuns.WriteShardsAsync(data, perBucket: 24);
        Assert.True(TokenizerTestRuns.Run("encoder-pretrain", pre, data, null).Completed);
        Assert.True(TokenizerTestRuns.Run("s1", s1, data, pre).Completed);

        var (code, output, error) = await Invoke("eval", "--run", pre, "--run", s1, "--data", data, "--shard-resolution", "64",
            "--samples", "48", "--fields", "color", "noise", "--out", report, "--device", "cpu");
        Assert.True(code == 0, error);
        Assert.Contains("PSNR", output);
        Assert.Contains("LP lat color", output);

        var runs = JsonNode.Parse(File.ReadAllText(Path.Combine(report, "eval.json")))!["runs"]!.AsArray();
        Assert.Equal(2, runs.Count);
        var encoderOnly = runs[0]!["metrics"]!.AsObject();
        Assert.Equal("encoder-pretrain", (string?)runs[0]!["stage"]);
        Assert.False(encoderOnly.ContainsKey("psnr"));          // a pretraining run has no trained decoder to judge
        Assert.True(encoderOnly.ContainsKey("lp_acc/encoder/color"));

        var m = runs[1]!["metrics"]!.AsObject();
        Assert.InRange((double)m["psnr"]!, 1, 60);
        Assert.InRange((double)m["ssim"]!, -1, 1);
        Assert.InRange((double)m["cknna/latent_vs_encoder"]!, -1, 1);
        Assert.InRange((double)m["cknna/latent_vs_resnet18"]!, -1, 1);   // the fixed reference every tokenizer kind gets
        Assert.InRange((double)m["se_cknna/latent_vs_resnet18"]!, -1, 1);
        Assert.False(m.ContainsKey("lpips"));                    // no weights → not reported, never a random VGG
        // The probes read the labels of the right images: the background colour is visible to any encoder,
        // the coin flip to none (12 held-out images: chance is ~0.5).
        Assert.True((double)m["lp_acc/encoder/color"]! >= 0.9, $"color probe {m["lp_acc/encoder/color"]}");
        Assert.True((double)m["lp_acc/latent/color"]! >= 0.9, $"color probe on latents {m["lp_acc/latent/color"]}");
        Assert.True((double)m["lp_acc/encoder/noise"]! <= 0.85, $"noise probe {m["lp_acc/encoder/noise"]}");

        // Reconstruction grid: originals over reconstructions of the first batch (one bucket, up to 8 images).
        string grid = Directory.GetFiles(report, "01-s1-reconstructions.png").Single();
        using var bitmap = SKBitmap.Decode(grid);
        Assert.True(bitmap.Height is 128 or 96, $"grid height {bitmap.Height}");
        Assert.True(bitmap.Width % (bitmap.Height / 2 == 64 ? 64 : 80) == 0);
    }

    [Fact]
    public async Task MissingRunIsAClearError()
    {
        using var tmp = new TempDir();
        string data = Path.Combine(tmp.Path, "buckets");
        await TokenizerTestRuns.WriteShardsAsync(data, perBucket: 8);
        var (code, _, error) = await Invoke("eval", "--run", Path.Combine(tmp.Path, "nope"), "--data", data, "--shard-resolution", "64", "--device", "cpu");
        Assert.Equal(1, code);
        Assert.Contains("nope", error);
    }
}
