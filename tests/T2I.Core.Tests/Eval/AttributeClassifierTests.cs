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
