using System.Text.Json;
using System.Text.Json.Nodes;
using SkiaSharp;
using T2I.Core.Checkpoints;
using T2I.Core.Data;
using T2I.Core.Storage;
using T2I.Core.VisualTokenizer;
using static TorchSharp.torch;

namespace T2I.Training.Tests.Dit;

/// <summary>Bucketed shards and codec folders for DiT tests.</summary>
public static class DitTestData
{
    public static readonly (string Name, SKColor Color)[] Colors =
        [("red", new(220, 38, 38)), ("green", new(34, 160, 60)), ("blue", new(37, 99, 235)), ("yellow", new(245, 205, 30))];
    public static readonly string[] Shapes = ["circle", "square", "triangle"];

    /// <summary>
    /// DataPrep-format shards under <c>res64/</c> like the synthetic generator's rows: one shape on a differently
    /// coloured background, caption and json labels, in the 64×64 and 80×48 buckets; each bucket's rows are dealt over
    /// <paramref name="sources"/> input shard files (row i to source i mod sources).
    /// </summary>
    public static string WriteShards(string root, int perBucket = 24, int seed = 5, int sources = 1)
    {
        var store = new LocalBlobStore(root);
        var rng = new Random(seed);
        foreach (var bucket in new[] { new AspectBucket(64, 64), new AspectBucket(80, 48) })
        {
            var rows = new List<BucketRow>();
            for (int i = 0; i < perBucket; i++)
            {
                int c = rng.Next(Colors.Length), s = rng.Next(Shapes.Length), bg;
                do bg = rng.Next(Colors.Length); while (bg == c);
                using var bitmap = new SKBitmap(bucket.Width, bucket.Height);
                using (var canvas = new SKCanvas(bitmap))
                using (var paint = new SKPaint { Color = Colors[c].Color, IsAntialias = true })
                {
                    canvas.Clear(Colors[bg].Color);
                    float r = 12 + rng.Next(6), cx = rng.Next(20, bucket.Width - 20), cy = rng.Next(20, bucket.Height - 20);
                    if (Shapes[s] == "circle") canvas.DrawCircle(cx, cy, r, paint);
                    else if (Shapes[s] == "square") canvas.DrawRect(cx - r, cy - r, 2 * r, 2 * r, paint);
                    else
                    {
                        using var path = new SKPath();
                        path.MoveTo(cx, cy - r); path.LineTo(cx + r, cy + r); path.LineTo(cx - r, cy + r); path.Close();
                        canvas.DrawPath(path, paint);
                    }
                }
                using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
                rows.Add(new BucketRow
                {
                    Key = $"{bucket.Name}-{i}", Caption = $"a {Colors[c].Name} {Shapes[s]} on a {Colors[bg].Name} background",
                    Image = png.ToArray(), Width = bucket.Width, Height = bucket.Height, Sha256 = $"{i:x64}", SourceShard = "00000",
                    Labels = JsonSerializer.Serialize(new Dictionary<string, string>
                    {
                        ["shape"] = Shapes[s], ["color"] = Colors[c].Name, ["background"] = Colors[bg].Name,
                    }),
                });
            }
            for (int source = 0; source < sources; source++)
            {
                var part = rows.Where((_, i) => i % sources == source).ToList();
                var bytes = BucketShardFile.WriteAsync(part, rowGroupRows: 8).GetAwaiter().GetResult();
                store.WriteAsync(BucketLayout.ShardKey(64, bucket, $"{source:00000}"), new MemoryStream(bytes)).GetAwaiter().GetResult();
            }
        }
        return root;
    }

    /// <summary>A 4-channel aligned tokenizer small enough to encode a few dozen images in a second.</summary>
    public static readonly AlignedTokenizerConfig MicroTokenizer = new(
        new VisionTransformerConfig(32, 1, 2, Registers: 2, PretrainGrid: 4), 32, 4,
        new DecoderConfig(4, 16, new[] { 1, 1, 1, 1, 1 }, 0, new[] { 4 }, NormGroups: 8));

    /// <summary>A tokenizer checkpoint as the tokenizer stages write it (model_config = its config; random weights).</summary>
    public static string WriteTokenizerRun(string runDir, int seed)
    {
        manual_seed(seed);
        using var tokenizer = new AlignedTokenizer(MicroTokenizer);
        var config = new CheckpointConfig
        {
            Step = 1, Trainer = "tokenizer",
            ModelConfig = JsonNode.Parse(JsonSerializer.Serialize(MicroTokenizer, AlignedTokenizerConfig.JsonOptions)),
        };
        CheckpointFolder.Write(CheckpointFolder.CheckpointsDir(runDir), config,
            dir => ModuleWeights.Save(tokenizer, Path.Combine(dir, CheckpointFolder.ModelFile)));
        return runDir;
    }
}
