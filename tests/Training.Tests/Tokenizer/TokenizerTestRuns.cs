using SkiaSharp;
using T2I.Core.Data;
using T2I.Core.Storage;
using T2I.Core.VisualTokenizer;
using T2I.Training.Loop;
using T2I.Training.Tokenizer;

namespace T2I.Training.Tests.Tokenizer;

/// <summary>Micro tokenizer runs on labelled micro shards, shared by the stage and eval-command tests.</summary>
public static class TokenizerTestRuns
{
    public static readonly AlignedTokenizerConfig Micro = new(
        new VisionTransformerConfig(32, 1, 2, Registers: 2, PretrainGrid: 4, LayerScaleInit: 1.0), 32, 4,
        new DecoderConfig(4, 8, new[] { 1, 1, 1, 1, 1 }, 0, new[] { 4 }, NormGroups: 4));

    /// <summary>
    /// PNG shards in two buckets of the 64-px table, <paramref name="perBucket"/> rows each. Labels: <c>shape</c>
    /// (circle / square, drawn), <c>color</c> (red / blue, the background — so it is plainly visible) and <c>noise</c>
    /// (a coin flip unrelated to the pixels).
    /// </summary>
    public static async Task WriteShardsAsync(string root, int perBucket = 16)
    {
        var store = new LocalBlobStore(root);
        var rng = new Random(5);
        foreach (var bucket in new[] { new AspectBucket(64, 64), new AspectBucket(80, 48) })
        {
            var rows = new List<BucketRow>();
            for (int i = 0; i < perBucket; i++)
            {
                string shape = i % 2 == 0 ? "circle" : "square";
                string color = rng.Next(2) == 0 ? "red" : "blue";
                string noise = rng.Next(2) == 0 ? "heads" : "tails";
                using var bitmap = new SKBitmap(bucket.Width, bucket.Height);
                using (var canvas = new SKCanvas(bitmap))
                {
                    canvas.Clear(color == "red" ? new SKColor(220, (byte)rng.Next(60), 40) : new SKColor(30, (byte)rng.Next(60), 220));
                    using var paint = new SKPaint { Color = new SKColor((byte)rng.Next(256), 200, (byte)rng.Next(256)), IsAntialias = true };
                    float cx = rng.Next(16, bucket.Width - 16), cy = rng.Next(16, bucket.Height - 16);
                    if (shape == "circle") canvas.DrawCircle(cx, cy, 12, paint); else canvas.DrawRect(cx - 12, cy - 12, 24, 24, paint);
                }
                using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
                rows.Add(new BucketRow
                {
                    Key = $"{bucket.Name}-{i}", Caption = $"a {shape}", Image = png.ToArray(), Width = bucket.Width, Height = bucket.Height,
                    Sha256 = $"{i:x64}", SourceShard = "00000", Labels = $"{{\"shape\":\"{shape}\",\"color\":\"{color}\",\"noise\":\"{noise}\"}}",
                });
            }
            await store.WriteAsync(BucketLayout.ShardKey(64, bucket, "00000"), new MemoryStream(await BucketShardFile.WriteAsync(rows, rowGroupRows: 8)));
        }
    }

    public static RunResult Run(string stage, string runDir, string data, string? initFrom, double wSp = 0, double ema = 0,
        int steps = 2, int batch = 4, double lr = 1e-3, PretrainTarget[]? targets = null)
    {
        var config = new TokenizerStageConfig
        {
            Stage = stage, Tokenizer = Micro, Discriminator = new PatchDiscriminatorConfig(8, 1), Data = data,
            ShardResolution = 64, TrainResolution = 64, SemanticWeight = wSp, EvalBatches = 4,
            LabelClasses = ["circle", "square"], PretrainTargets = targets,
        };
        var loop = new LoopSettings { Steps = steps, BatchSize = batch, Lr = lr, CheckpointEvery = steps, EmaDecay = ema, InitFrom = initFrom, Seed = 3 };
        var preset = new Preset<TokenizerStageConfig>("tok-test-" + stage, "test", loop, config, new TokenizerTrainerFactory());
        return TrainingLoop.Run(preset, new RunOptions(runDir) { Device = "cpu", WritePlots = false, SkipMemoryCheck = true, Log = _ => { } });
    }
}
