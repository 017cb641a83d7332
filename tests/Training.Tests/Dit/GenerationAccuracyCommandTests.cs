using T2I.Training.Tests.Loop;

namespace T2I.Training.Tests.Dit;

/// <summary><c>training gen-accuracy</c> over the committed demo model and judge: the prompt grid, the figures, the PNGs.</summary>
public class GenerationAccuracyCommandTests
{
    private static readonly string Judge = DemoModelTests.DemoPath("judge-synth");

    [Fact]
    public async Task JudgesEveryColourShapeSeedAndReportsBothChanceLevels()
    {
        using var tmp = new TempDir();
        var (code, output, error) = await TrainingCli.Invoke("gen-accuracy", DemoModelTests.DemoPath(), "--judge", Judge,
            "--colors", "red,blue", "--shapes", "circle", "--per-prompt", "2", "--steps", "3", "--out", tmp.Sub("png"));
        Assert.True(code == 0, error);
        Assert.Contains("4 images (2 colours × 1 shapes × 2 seeds), 3 DDIM steps", output);
        Assert.Matches(@"color\s+\d+\.\d %  95% CI \[\d+\.\d %, \d+\.\d %\]  chance 8\.3 %  n=4", output); // 12 judge colours
        Assert.Contains("chance over the prompted set: colour 50.0 %, shape 100.0 %, both 50.0 %", output);
        Assert.Equal(new[] { "blue-circle-0.png", "blue-circle-1.png", "red-circle-0.png", "red-circle-1.png" },
            Directory.GetFiles(tmp.Sub("png")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task AMissingJudgeIsAClearError()
    {
        var (code, _, error) = await TrainingCli.Invoke("gen-accuracy", DemoModelTests.DemoPath(), "--judge", "/nonexistent/judge");
        Assert.Equal(2, code);
        Assert.Contains("gen-accuracy:", error);
        Assert.Contains("/nonexistent/judge", error);
    }

    [Theory]
    [InlineData("--steps", "151", "gen-accuracy: Steps must be between 1 and 150 (got 151).")]
    [InlineData("--cfg", "0.5", "gen-accuracy: CFG scale must be between 1 and 20 (got 0.5).")]
    public async Task SettingsOutsideTheRequestLimitsAreRefusedBeforeAnyImage(string option, string value, string message)
    {
        using var tmp = new TempDir();
        var (code, _, error) = await TrainingCli.Invoke("gen-accuracy", DemoModelTests.DemoPath(), "--judge", Judge,
            "--colors", "red", "--shapes", "circle", "--per-prompt", "1", option, value, "--out", tmp.Sub("png"));
        Assert.Equal(2, code);
        Assert.Equal(message, error.Trim());
        Assert.False(Directory.Exists(tmp.Sub("png")), "images were drawn before the settings were checked");
    }
}
