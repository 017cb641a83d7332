using System.CommandLine;
using SkiaSharp;
using T2I.Core;
using T2I.Core.Checkpoints;
using T2I.Core.Eval;
using T2I.Core.Inference;
using T2I.Core.VisualTokenizer;

namespace T2I.Training.Tests.Eval;

public class ScoreCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("t2i-score-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string RepoFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Path.Combine([dir.FullName, .. parts]) is var p && Path.Exists(p)) return p;
        throw new FileNotFoundException(string.Join('/', parts));
    }

    /// <summary>Large centred shapes on a flat background, each PNG carrying its prompt in a 'parameters' chunk.</summary>
    private string WriteImages(string name, (string Color, SKColor Rgb, string Background, SKColor Bg)[] scenes)
    {
        string dir = Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;
        for (int i = 0; i < scenes.Length; i++)
        {
            var s = scenes[i];
            using var bmp = new SKBitmap(new SKImageInfo(160, 96, SKColorType.Rgba8888, SKAlphaType.Premul));
            using (var canvas = new SKCanvas(bmp))
            using (var paint = new SKPaint { Color = s.Rgb, IsAntialias = true })
            {
                canvas.Clear(s.Bg);
                canvas.DrawRect(80 - 34, 48 - 34, 68, 68, paint);
            }
            using var png = bmp.Encode(SKEncodedImageFormat.Png, 100);
            var request = new GenerationRequest($"a large {s.Color} square on a {s.Background} background", Width: 160, Height: 96);
            File.WriteAllBytes(Path.Combine(dir, $"{i:D2}.png"), PngText.Write(png.ToArray(),
                new Dictionary<string, string> { [GenerationParameters.Keyword] = GenerationParameters.Format(request, "ddim", "test") }));
        }
        return dir;
    }

    /// <summary>Every weight N(0, 0.3²): at its own init (LayerScale 1e-5, small projections) a ViT's class token hardly depends on the image.</summary>
    private static VisionTransformer Randomised(VisionTransformer vit)
    {
        using var noGrad = TorchSharp.torch.no_grad();
        foreach (var p in vit.parameters()) p.copy_(TorchSharp.torch.randn_like(p) * 0.3);
        return vit;
    }

    private static double Fd(string output) => double.Parse(
        System.Text.RegularExpressions.Regex.Match(output, @"FD_dinov2: ([0-9.Ee+-]+) ").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task ScoresAFolderWithTheJudgeAndFdDinov2()
    {
        TorchRuntime.Seed(2);
        var vit = Randomised(new VisionTransformer(new VisionTransformerConfig(128, 2, 2, Registers: 0, PretrainGrid: 4, ClassTokenHasPosition: true)));
        string weights = Path.Combine(_dir, "dinov2.safetensors");
        SafeTensors.Save(weights, vit.state_dict());
        string generated = WriteImages("gen", [("red", new SKColor(220, 38, 38), "blue", new SKColor(37, 99, 235)),
            ("yellow", new SKColor(245, 205, 30), "black", new SKColor(20, 20, 20)), ("white", new SKColor(245, 245, 245), "green", new SKColor(34, 160, 60))]);
        string reference = WriteImages("ref", [("blue", new SKColor(37, 99, 235), "white", new SKColor(245, 245, 245)),
            ("green", new SKColor(34, 160, 60), "red", new SKColor(220, 38, 38)), ("black", new SKColor(20, 20, 20), "yellow", new SKColor(245, 205, 30))]);

        static Task<(int Code, string Out, string Err)> Run(params string[] args) => TrainingCli.Invoke(args);

        var same = await Run("score", "--images", generated, "--reference", generated, "--fd-encoder", $"dinov2:{weights}",
            "--judge", RepoFile("models", "judge-synth"));
        Assert.Equal(0, same.Code);
        Assert.Contains("(3 generated vs 3 reference images) — FD over DINOv2 features, not Inception FID", same.Out);
        Assert.True(Fd(same.Out) < 1e-6, same.Out);
        Assert.Contains("judge (3 of 3 images have parseable prompts)", same.Out);
        Assert.Contains("color+shape", same.Out);
        Assert.Matches(@"color\s+100\.0 %", same.Out);

        var other = await Run("score", "--images", generated, "--reference", reference, "--fd-encoder", $"dinov2:{weights}");
        Assert.Equal(0, other.Code);
        Assert.True(Fd(other.Out) > 1e-4, other.Out);

        var bad = await Run("score", "--images", generated, "--reference", reference);
        Assert.Equal(2, bad.Code);
        Assert.Contains("--fd-encoder", bad.Err);
    }

    [Fact]
    public void DinoV2LoaderInfersTheShapeFromTheCheckpoint()
    {
        TorchRuntime.Seed(4);
        var config = new VisionTransformerConfig(128, 2, 2, Registers: 4, PretrainGrid: 3, LayerScaleInit: 1);
        var vit = Randomised(new VisionTransformer(config));
        string weights = Path.Combine(_dir, "reg.safetensors");
        SafeTensors.Save(weights, vit.state_dict());
        var loaded = DinoV2Features.Load(weights);
        Assert.Equal(config with { LayerScaleInit = loaded.Vit.Config.LayerScaleInit }, loaded.Vit.Config); // the init value is not stored; gamma is
        using var images = TorchSharp.torch.rand(2, 3, 50, 70) * 2 - 1;
        vit.eval();
        using var expected = new DinoV2Features(vit).Features(images);
        using var actual = loaded.Features(images);
        Assert.Equal(new long[] { 2, 128 }, actual.shape);
        Assert.True(expected.allclose(actual, rtol: 0, atol: 1e-5));
        Assert.True((actual[0] - actual[1]).abs().max().item<float>() > 1e-3, $"features must depend on the image: {(actual[0] - actual[1]).abs().max().item<float>()}");
    }
}
