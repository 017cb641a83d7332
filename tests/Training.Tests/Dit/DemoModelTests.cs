using SkiaSharp;
using T2I.Core.Data;
using T2I.Core.Inference;
using T2I.Training.Dit;

namespace T2I.Training.Tests.Dit;

/// <summary>The committed demo model (t2i-tiny, 1500 steps on synthetic shapes) loads and follows colour prompts.</summary>
public class DemoModelTests
{
    public static string DemoPath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "T2I.sln"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("repository root not found"), "models", "t2i-tiny-demo");
    }

    [Fact]
    public void DemoModelDrawsTheRequestedColours()
    {
        var pipeline = T2IPipeline.FromCheckpoint(DemoPath());
        Assert.Equal(128, pipeline.BaseResolution);
        int right = 0;
        for (int c = 0; c < SyntheticShapes.Colors.Length; c++)
        {
            var png = pipeline.Generate(new GenerationRequest(SyntheticShapes.Prompt(c, 0), "", 128, 128, 12, 5.0, 3)).Png;
            using var bitmap = SKBitmap.Decode(png);
            using var image = ImageTensor.FromBitmap(bitmap);
            if (SyntheticShapes.Judge(image)?.Color == c) right++;
        }
        Assert.True(right >= 5, $"{right}/6 colours right (chance is 1/6)");
    }
}
