using System.Text.Json;
using SkiaSharp;
using T2I.Core.Data;
using T2I.Core.Eval;
using static TorchSharp.torch;

namespace T2I.Core.Tests.Eval;

public class AttributeClassifierTests
{
    private static readonly Dictionary<string, SKColor> Colors = new()
    {
        ["red"] = new(220, 38, 38), ["green"] = new(34, 160, 60), ["blue"] = new(37, 99, 235), ["yellow"] = new(245, 205, 30),
    };
    private static readonly string[] Shapes = ["circle", "square", "triangle"];
    private static readonly (int W, int H)[] Sizes = [(48, 40), (40, 56), (48, 48), (64, 40)];

    /// <summary>Labelled rows like the synthetic generator's: one shape of random size and place on a differently coloured background.</summary>
    private static List<BucketRow> DrawRows(int count, int seed)
    {
        var rng = new Random(seed);
        var names = Colors.Keys.ToArray();
        var rows = new List<BucketRow>();
        for (int i = 0; i < count; i++)
        {
            // Bucket-like sizes of several aspects: the classifier squeezes them all to a square.
            var (width, height) = Sizes[rng.Next(Sizes.Length)];
            string color = names[rng.Next(names.Length)], shape = Shapes[rng.Next(Shapes.Length)];
            string background;
            do background = names[rng.Next(names.Length)]; while (background == color);
            using var bmp = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
            using (var canvas = new SKCanvas(bmp))
            using (var paint = new SKPaint { Color = Colors[color], IsAntialias = true })
            {
                canvas.Clear(Colors[background]);
                float r = (float)(8 + rng.NextDouble() * 6);
                float cx = r + (float)rng.NextDouble() * (width - 2 * r), cy = r + (float)rng.NextDouble() * (height - 2 * r);
                switch (shape)
                {
                    case "circle": canvas.DrawCircle(cx, cy, r, paint); break;
                    case "square": canvas.DrawRect(cx - r, cy - r, 2 * r, 2 * r, paint); break;
                    default:
                        using (var path = new SKPath())
                        {
                            path.MoveTo(cx, cy - r);
                            path.LineTo(cx + r * 0.87f, cy + r * 0.5f);
                            path.LineTo(cx - r * 0.87f, cy + r * 0.5f);
                            path.Close();
                            canvas.DrawPath(path, paint);
                        }
                        break;
                }
            }
            using var png = bmp.Encode(SKEncodedImageFormat.Png, 100);
            rows.Add(new BucketRow
            {
                Key = $"{i:D5}", Caption = $"a small {color} {shape} on a {background} background", Image = png.ToArray(),
                Width = width, Height = height,
                Labels = JsonSerializer.Serialize(new Dictionary<string, string> { ["shape"] = shape, ["color"] = color, ["background"] = background, ["size"] = "small" }),
            });
        }
        return rows;
    }

    [Fact]
    public void LearnsColourAndShapeAndJudgesHeldOutImages()
    {
        using var scope = NewDisposeScope();
        TorchSharp.torch.manual_seed(1);
        var rows = DrawRows(500, seed: 1);
        rows.Add(new BucketRow { Key = "unlabelled", Image = rows[0].Image });
        rows.Add(new BucketRow { Key = "broken", Image = [1, 2, 3], Labels = rows[0].Labels });
        var vocab = AttributeVocabulary.From(rows.Where(r => r.Labels != null).Select(r => AttributeRequest.FromLabels(r.Labels!)));
        Assert.Equal(["blue", "green", "red", "yellow"], vocab.Colors);
        var train = AttributeDataset.FromRows(rows, vocab, imageSize: 32, out int skipped);
        Assert.Equal(2, skipped);
        Assert.Equal(500, train.Count);

        var model = new SyntheticAttributeClassifier(vocab, imageSize: 32, width: 16);
        double loss = AttributeClassifierTrainer.Train(model, train, new AttributeClassifierTrainOptions(Epochs: 15, BatchSize: 32, LearningRate: 3e-3));

        // Held-out images at another size and aspect, judged against their captions.
        var test = DrawRows(200, seed: 2);
        var images = stack(test.Select(r => { using var b = SKBitmap.Decode(r.Image); return model.Prepare(ImageTensor.FromBitmap(b).unsqueeze(0))[0]; }).ToArray());
        var requests = test.Select(r => AttributeRequest.FromCaption(r.Caption, vocab)!).ToList();
        var result = GenerationAccuracy.Evaluate(model, images, requests);
        Assert.True(result.ColorAccuracy >= 0.9 && result.ShapeAccuracy >= 0.8, $"loss {loss}, {result}");
        Assert.True(result.BothAccuracy <= Math.Min(result.ColorAccuracy, result.ShapeAccuracy));
        Assert.Equal(0.25, result.ColorChance, 9);
        Assert.Equal(1 / 3.0, result.ShapeChance, 9);
        Assert.Equal(1 / 12.0, result.BothChance, 9);

        // Asking for the wrong colour of the same images must score low: the classifier looks at the image.
        var wrong = requests.Select(r => r with { Color = vocab.Colors[(vocab.ColorIndex(r.Color) + 1) % 4] }).ToList();
        Assert.True(GenerationAccuracy.Evaluate(model, images, wrong).ColorAccuracy < 0.1);

        // Save → load gives the same predictions.
        string dir = Directory.CreateTempSubdirectory("t2i-cls").FullName;
        try
        {
            model.Save(dir);
            using var loaded = SyntheticAttributeClassifier.Load(dir);
            Assert.Equal(vocab.Shapes, loaded.Vocabulary.Shapes);
            Assert.Equal(32, loaded.ImageSize);
            Assert.Equal(model.Predict(images), loaded.Predict(images));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void RequestsAreParsedFromCaptionsAndLabels()
    {
        var vocab = new AttributeVocabulary(["blue", "red", "white"], ["circle", "star"]);
        Assert.Equal(new AttributeRequest("red", "circle"), AttributeRequest.FromCaption("a small red circle on a blue background", vocab));
        Assert.Equal(new AttributeRequest("white", "star"), AttributeRequest.FromCaption("Photo of a large White star in the top left, blue background", vocab));
        Assert.Equal(new AttributeRequest("red", "star"), AttributeRequest.FromCaption("large red star, blue backdrop", vocab));
        Assert.Null(AttributeRequest.FromCaption("a red hexagon on blue", vocab));
        Assert.Null(AttributeRequest.FromCaption("a circle on a blue background", vocab));
        Assert.Equal(new AttributeRequest("red", "ring"),
            AttributeRequest.FromLabels("""{"shape":"ring","color":"red","background":"blue","size":"small","position":"center"}"""));
        Assert.Throws<FormatException>(() => AttributeRequest.FromLabels("""{"shape":"ring"}"""));
        Assert.Throws<ArgumentException>(() => vocab.ColorIndex("green"));
        var back = AttributeVocabulary.FromJson(vocab.ToJson());
        Assert.Equal(vocab.Colors, back.Colors);
        Assert.Equal(vocab.Shapes, back.Shapes);
    }
}
