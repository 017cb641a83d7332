using T2I.Core.Inference;

namespace T2I.Core.Tests.Inference;

public class GenerationValidatorTests
{
    private static readonly GenerationRequest Good = new("a red circle", "blurry", 256, 256, 50, 5.0, 7);

    [Theory]
    [InlineData(1, 1.0, null)]
    [InlineData(150, 20.0, null)]
    [InlineData(0, 5.0, "Steps must be between 1 and 150 (got 0).")]
    [InlineData(151, 5.0, "Steps must be between 1 and 150 (got 151).")]
    [InlineData(1000, 5.0, "Steps must be between 1 and 150 (got 1000).")]
    [InlineData(50, 0.0, "CFG scale must be between 1 and 20 (got 0).")]
    [InlineData(50, 20.5, "CFG scale must be between 1 and 20 (got 20.5).")]
    [InlineData(50, double.NaN, "CFG scale must be between 1 and 20 (got NaN).")]
    public void StepsAndCfgHaveOneRangeForEveryCaller(int steps, double guidance, string? message) =>
        Assert.Equal(message, GenerationValidator.Validate(Good with { Steps = steps, Guidance = guidance }, 256));

    [Fact]
    public void TheLimitsAreTheOnesItEnforces()
    {
        var r = Good with { Steps = GenerationLimits.MaxSteps, Guidance = GenerationLimits.MinGuidance, Count = GenerationLimits.MaxCount };
        Assert.Null(GenerationValidator.Validate(r, 256));
        Assert.NotNull(GenerationValidator.Validate(r with { Steps = GenerationLimits.MaxSteps + 1 }, 256));
        Assert.NotNull(GenerationValidator.Validate(r with { Count = GenerationLimits.MaxCount + 1 }, 256));
        Assert.NotNull(GenerationValidator.Validate(r with { Prompt = new string('a', GenerationLimits.MaxPromptLength + 1) }, 256));
    }

    [Theory]
    [InlineData("", "The prompt is empty.")]
    [InlineData("bell\u0007", "The prompt contains a control character (U+0007).")]
    [InlineData("two\nlines\tand a tab", null)]
    [InlineData("a \u202Ereversed", "The prompt contains a control character (U+202E).")]
    public void PromptsAreCheckedForWhatWouldBreakThem(string prompt, string? message) =>
        Assert.Equal(message, GenerationValidator.Validate(Good with { Prompt = prompt }, 256));

    [Fact]
    public void SizesComeFromTheModelsBucketTable()
    {
        Assert.Null(GenerationValidator.Validate(Good with { Width = 336, Height = 192 }, 256));
        Assert.StartsWith("Size 300x200 is not offered; choose one of: ",
            GenerationValidator.Validate(Good with { Width = 300, Height = 200 }, 256));
        Assert.NotNull(GenerationValidator.Validate(Good, 512)); // 256x256 is not a 512-px bucket
    }

    [Theory]
    [InlineData(null, 4, null)]
    [InlineData(4294967295L, 1, null)]
    [InlineData(4294967295L, 4, "Seed must be between 0 and 4294967292 for 4 images (or empty for a random seed).")]
    [InlineData(-1L, 1, "Seed must be between 0 and 4294967295 (or empty for a random seed).")]
    public void EverySeedOfARequestMustFitIn32Bits(long? seed, int count, string? message) =>
        Assert.Equal(message, GenerationValidator.Validate(Good with { Seed = seed, Count = count }, 256));

    [Fact]
    public void SamplersAndEtaAreTheSamplersOwn()
    {
        Assert.Null(GenerationValidator.Validate(Good with { Sampler = "euler" }, 256));
        Assert.Equal("Unknown sampler 'plms' (ddim, euler).", GenerationValidator.Validate(Good with { Sampler = "plms" }, 256));
        Assert.Equal("Eta must be between 0 and 1 (got 1.5).", GenerationValidator.Validate(Good with { Eta = 1.5 }, 256));
    }

    [Fact]
    public void ADrawnSeedLeavesRoomForEveryImageAndImagesUseConsecutiveSeeds()
    {
        for (int i = 0; i < 200; i++)
        {
            var drawn = (Good with { Seed = null, Count = 4 }).WithDrawnSeed();
            Assert.Null(GenerationValidator.Validate(drawn, 256));
        }
        var request = Good with { Seed = 10, Count = 3 };
        Assert.Same(request, request.WithDrawnSeed());
        Assert.Equal((12L, 1), (request.ForImage(2).Seed!.Value, request.ForImage(2).Count));
        Assert.Throws<InvalidOperationException>(() => (Good with { Seed = null }).ForImage(0));
    }
}
