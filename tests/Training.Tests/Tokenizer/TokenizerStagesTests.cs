using SkiaSharp;
using T2I.Core.Checkpoints;
using T2I.Core.VisualTokenizer;
using T2I.Training.Tests.Loop;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Tokenizer;

[Collection(GlobalTorchState.Name)]
public class TokenizerStagesTests
{
    private static Dictionary<string, Tensor> Weights(string run, string file) =>
        SafeTensors.Load(CheckpointFolder.Latest(CheckpointFolder.CheckpointsDir(run))!.File(file));

    private static bool Same(Dictionary<string, Tensor> a, Dictionary<string, Tensor> b, string prefix) =>
        a.Keys.Where(k => k.StartsWith(prefix)).All(k => TensorAssert.BitEqual(a[k], b[k]));

    [Fact]
    public async Task ThreeStagesRunEndToEndAndFreezeWhatThePaperFreezes()
    {
        using var tmp = new TempDir();
        string data = Path.Combine(tmp.Path, "buckets");
        await TokenizerTestRuns.WriteShardsAsync(data);
        string pre = Path.Combine(tmp.Path, "pre"), s1 = Path.Combine(tmp.Path, "s1"), s2 = Path.Combine(tmp.Path, "s2"), s3 = Path.Combine(tmp.Path, "s3");

        var pretrain = TokenizerTestRuns.Run("encoder-pretrain", pre, data, null);
        Assert.True(pretrain.Completed);
        Assert.True(double.IsFinite(pretrain.LastMetrics["loss"]));

        var stage1 = TokenizerTestRuns.Run("s1", s1, data, pre);
        Assert.True(stage1.Completed);
        // Stage 1: the encoder is frozen, adapter and decoder train.
        var wPre = Weights(pre, CheckpointFolder.ModelFile); var w1 = Weights(s1, CheckpointFolder.ModelFile);
        Assert.True(Same(wPre, w1, "encoder."));
        Assert.False(Same(wPre, w1, "decoder."));
        Assert.True(File.Exists(Path.Combine(s1, "eval", "step-2", "reconstructions.png")) ||
                    Directory.EnumerateFiles(s1, "reconstructions.png", SearchOption.AllDirectories).Any());

        var stage2 = TokenizerTestRuns.Run("s2", s2, data, s1, wSp: 1, ema: 0.9);
        Assert.True(stage2.Completed);
        var w2 = Weights(s2, CheckpointFolder.EmaFile);
        Assert.False(Same(w1, Weights(s2, CheckpointFolder.ModelFile), "encoder."));   // stage 2 trains the encoder
        Assert.True(Same(w1, Weights(s2, "reference.safetensors"), "encoder."));      // against the frozen stage-1 copy

        var stage3 = TokenizerTestRuns.Run("s3", s3, data, s2, ema: 0.9);
        Assert.True(stage3.Completed);
        // Stage 3: only the decoder trains — encoder and adapter (so the latents) bit-identical, in model and EMA.
        foreach (var file in new[] { CheckpointFolder.ModelFile, CheckpointFolder.EmaFile })
        {
            var w3 = Weights(s3, file);
            Assert.True(Same(w2, w3, "encoder."));
            Assert.True(Same(w2, w3, "adapter."));
            Assert.False(Same(w2, w3, "decoder."));
        }
        var images = rand(2, 3, 48, 80) * 2 - 1;
        using (no_grad())
        {
            var before = AlignedTokenizerCheckpoint.Load(s2).Encode(images);
            var after = AlignedTokenizerCheckpoint.Load(s3).Encode(images);
            Assert.True(TensorAssert.BitEqual(before, after));
        }
        foreach (var key in new[] { "psnr", "lp_acc/latent/shape", "lp_acc/encoder/shape", "lp_acc/latent/color" })
            Assert.True(double.IsFinite(stage3.LastMetrics.GetValueOrDefault("eval/" + key, double.NaN)) ||
                        File.ReadAllText(Path.Combine(s3, "metrics.jsonl")).Contains($"\"eval/{key}\""), key);
    }
}
