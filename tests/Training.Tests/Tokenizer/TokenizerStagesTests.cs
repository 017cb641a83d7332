using SkiaSharp;
using T2I.Core.Checkpoints;
using T2I.Core.Data;
using T2I.Core.Storage;
using T2I.Core.VisualTokenizer;
using T2I.Training.Loop;
using T2I.Training.Presets;
using T2I.Training.Tests.Loop;
using T2I.Training.Tokenizer;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Tokenizer;

[Collection(GlobalTorchState.Name)]
public class TokenizerStagesTests
{
    private static readonly AlignedTokenizerConfig Micro = new(
        new VisionTransformerConfig(32, 1, 2, Registers: 2, PretrainGrid: 4), 32, 4,
        new DecoderConfig(4, 16, new[] { 1, 1, 1, 1, 1 }, 0, new[] { 4 }, NormGroups: 8));

    /// <summary>Labelled shards: circles and squares in two buckets of the 64-px table, PNG-encoded.</summary>
    private static async Task WriteShardsAsync(string root)
    {
        var store = new LocalBlobStore(root);
        var rng = new Random(5);
        foreach (var bucket in new[] { new AspectBucket(64, 64), new AspectBucket(80, 48) })
        {
            var rows = new List<BucketRow>();
            for (int i = 0; i < 16; i++)
            {
                string shape = i % 2 == 0 ? "circle" : "square";
                using var bitmap = new SKBitmap(bucket.Width, bucket.Height);
                using (var canvas = new SKCanvas(bitmap))
                {
                    canvas.Clear(new SKColor((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)));
                    using var paint = new SKPaint { Color = new SKColor((byte)rng.Next(256), 40, 200), IsAntialias = true };
                    float cx = rng.Next(16, bucket.Width - 16), cy = rng.Next(16, bucket.Height - 16);
                    if (shape == "circle") canvas.DrawCircle(cx, cy, 12, paint); else canvas.DrawRect(cx - 12, cy - 12, 24, 24, paint);
                }
                using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
                rows.Add(new BucketRow
                {
                    Key = $"{bucket.Name}-{i}", Caption = $"a {shape}", Image = png.ToArray(), Width = bucket.Width, Height = bucket.Height,
                    Sha256 = $"{i:x64}", SourceShard = "00000", Labels = $"{{\"shape\":\"{shape}\"}}",
                });
            }
            await store.WriteAsync(BucketLayout.ShardKey(64, bucket, "00000"), new MemoryStream(await BucketShardFile.WriteAsync(rows, rowGroupRows: 8)));
        }
    }

    private static RunResult Run(string stage, string runDir, string data, string? initFrom, double wSp = 0, double ema = 0)
    {
        var config = new TokenizerStageConfig
        {
            Stage = stage, Tokenizer = Micro, Discriminator = new PatchDiscriminatorConfig(16, 1), Data = data,
            ShardResolution = 64, TrainResolution = 64, SemanticWeight = wSp, EvalBatches = 4,
            LabelClasses = ["circle", "square"],
        };
        var loop = new LoopSettings { Steps = 2, BatchSize = 4, Lr = 1e-3, CheckpointEvery = 2, EmaDecay = ema, InitFrom = initFrom, Seed = 3 };
        var preset = new Preset<TokenizerStageConfig>("tok-test-" + stage, "test", loop, config, new TokenizerTrainerFactory());
        return TrainingLoop.Run(preset, new RunOptions(runDir) { Device = "cpu", WritePlots = false, SkipMemoryCheck = true, Log = _ => { } });
    }

    private static Dictionary<string, Tensor> Weights(string run, string file) =>
        SafeTensors.Load(CheckpointFolder.Latest(CheckpointFolder.CheckpointsDir(run))!.File(file));

    private static bool Same(Dictionary<string, Tensor> a, Dictionary<string, Tensor> b, string prefix) =>
        a.Keys.Where(k => k.StartsWith(prefix)).All(k => TensorAssert.BitEqual(a[k], b[k]));

    [Fact]
    public async Task ThreeStagesRunEndToEndAndFreezeWhatThePaperFreezes()
    {
        using var tmp = new TempDir();
        string data = Path.Combine(tmp.Path, "buckets");
        await WriteShardsAsync(data);
        string pre = Path.Combine(tmp.Path, "pre"), s1 = Path.Combine(tmp.Path, "s1"), s2 = Path.Combine(tmp.Path, "s2"), s3 = Path.Combine(tmp.Path, "s3");

        var pretrain = Run("encoder-pretrain", pre, data, null);
        Assert.True(pretrain.Completed);
        Assert.True(double.IsFinite(pretrain.LastMetrics["loss"]));

        var stage1 = Run("s1", s1, data, pre);
        Assert.True(stage1.Completed);
        // Stage 1: the encoder is frozen, adapter and decoder train.
        var wPre = Weights(pre, CheckpointFolder.ModelFile); var w1 = Weights(s1, CheckpointFolder.ModelFile);
        Assert.True(Same(wPre, w1, "encoder."));
        Assert.False(Same(wPre, w1, "decoder."));
        Assert.True(File.Exists(Path.Combine(s1, "eval", "step-2", "reconstructions.png")) ||
                    Directory.EnumerateFiles(s1, "reconstructions.png", SearchOption.AllDirectories).Any());

        var stage2 = Run("s2", s2, data, s1, wSp: 1, ema: 0.9);
        Assert.True(stage2.Completed);
        var w2 = Weights(s2, CheckpointFolder.EmaFile);
        Assert.False(Same(w1, Weights(s2, CheckpointFolder.ModelFile), "encoder."));   // stage 2 trains the encoder
        Assert.True(Same(w1, Weights(s2, "reference.safetensors"), "encoder."));      // against the frozen stage-1 copy

        var stage3 = Run("s3", s3, data, s2, ema: 0.9);
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
        foreach (var key in new[] { "psnr", "lp_acc/latent", "lp_acc/encoder" })
            Assert.True(double.IsFinite(stage3.LastMetrics.GetValueOrDefault("eval/" + key, double.NaN)) ||
                        File.ReadAllText(Path.Combine(s3, "metrics.jsonl")).Contains($"\"eval/{key}\""), key);
    }
}
