using SkiaSharp;
using T2I.Core.Data;
using T2I.Core.Inference;

namespace T2I.Core.Tests.Inference;

public class T2IPipelineTests
{
    // 64-px buckets keep the latent grid at 4×4 so the suite stays fast; one test runs a 256-px bucket.
    private static readonly T2IPipeline Pipeline = T2IPipeline.CreateUntrained(baseResolution: 64, seed: 1);

    private static GenerationRequest Request(long seed = 7, int steps = 3) =>
        new("a red circle", "blurry", 64, 64, steps, 5.0, seed);

    [Fact]
    public void SameSeedGivesIdenticalBytesAndOtherSeedsDiffer()
    {
        var a = Pipeline.Generate(Request());
        var b = Pipeline.Generate(Request());
        var c = Pipeline.Generate(Request(seed: 8));
        Assert.Equal(a.Png, b.Png);
        Assert.NotEqual(a.Png, c.Png);
        Assert.NotEqual(a.Png, Pipeline.Generate(Request() with { Prompt = "a blue square" }).Png);
        Assert.NotEqual(a.Png, Pipeline.Generate(Request() with { Guidance = 1.0 }).Png);
    }

    [Fact]
    public void Bf16AutocastDrawsNearlyTheFp32ImageAndIsOffOnTheCpuByDefault()
    {
        // On CUDA the pipeline samples with the DiT under bf16 autocast; the same path runs here when asked for.
        Assert.Null(Pipeline.Precision);
        var bf16 = new T2IPipeline(Pipeline) { Precision = TorchSharp.torch.ScalarType.BFloat16 };
        using var full = SKBitmap.Decode(Pipeline.Generate(Request()).Png);
        using var half = SKBitmap.Decode(bf16.Generate(Request()).Png);
        var diffs = full.Pixels.Zip(half.Pixels, (a, b) => (Math.Abs(a.Red - b.Red) + Math.Abs(a.Green - b.Green) + Math.Abs(a.Blue - b.Blue)) / 3.0)
            .ToList();
        Assert.True(diffs.Max() > 0, "bf16 autocast changed nothing: the DiT did not compute in bf16");
        Assert.True(diffs.Average() < 4, $"bf16 image drifts {diffs.Average():0.00} / 255 per pixel from fp32");
    }

    [Fact]
    public void PngCarriesA1111ParametersAndTheBucketSize()
    {
        var pipeline = T2IPipeline.CreateUntrained(baseResolution: 256, seed: 1);
        var bucket = AspectBuckets.For(256).First(b => b.Width > b.Height);
        var result = pipeline.Generate(Request() with { Width = bucket.Width, Height = bucket.Height, Seed = 42, Steps = 2 });
        using var bitmap = SKBitmap.Decode(result.Png);
        Assert.Equal(bucket.Width, bitmap.Width);
        Assert.Equal(bucket.Height, bitmap.Height);
        var text = PngText.Read(result.Png)["parameters"];
        Assert.Equal($"a red circle\nNegative prompt: blurry\nSteps: 2, Sampler: DDIM, CFG scale: 5, Seed: 42, Size: {bucket.Name}, Model: {pipeline.ModelId}", text);
        Assert.Contains("untrained", result.ModelId);
    }

    [Fact]
    public void ReportsEveryStepWithPeriodicPreviews()
    {
        var reports = new List<GenerationProgress>();
        var sync = new SyncProgress(reports.Add);
        var previewing = new T2IPipeline(Pipeline) { PreviewEvery = 2 };
        previewing.Generate(Request(steps: 5), sync);
        Assert.Equal(new[] { 1, 2, 3, 4, 5 }, reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(5, r.TotalSteps));
        Assert.Equal(new[] { 2, 4 }, reports.Where(r => r.PreviewPng is not null).Select(r => r.Step));
        using var preview = SKBitmap.Decode(reports[1].PreviewPng!);
        Assert.Equal(64, preview.Width);
    }

    [Fact]
    public void CancellationStopsBetweenSteps()
    {
        using var cts = new CancellationTokenSource();
        int seen = 0;
        var progress = new SyncProgress(p => { seen = p.Step; if (p.Step == 2) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => Pipeline.Generate(Request(steps: 10), progress, cts.Token));
        Assert.Equal(2, seen);
    }

    [Fact]
    public void BadRequestsAreRefusedWithReasons()
    {
        var size = Assert.Throws<ArgumentException>(() => Pipeline.Generate(Request() with { Width = 250 }));
        Assert.Contains("64x64", size.Message);
        // The pipeline holds requests to the same rules as the page and the API (GenerationValidator).
        string Refusal(GenerationRequest r) => Assert.Throws<ArgumentException>(() => Pipeline.Generate(r)).Message;
        Assert.Contains("Unknown sampler 'plms'", Refusal(Request() with { Sampler = "plms" }));
        Assert.Contains("Steps must be between 1 and 150", Refusal(Request() with { Steps = 0 }));
        Assert.Contains("Eta must be between 0 and 1", Refusal(Request() with { Eta = 2 }));
        Assert.Contains("CFG scale must be between 1 and 20", Refusal(Request() with { Guidance = 0 }));
    }

    [Fact]
    public void ARandomSeedIsDrawnOnceAndReportedWithTheImage()
    {
        var image = Pipeline.Generate(Request() with { Seed = null });

        long seed = Assert.NotNull(image.Request.Seed);
        Assert.Contains($"Seed: {seed},", PngText.Read(image.Png)["parameters"]);
        Assert.Equal(image.Png, Pipeline.Generate(Request(seed)).Png);
    }

    [Fact]
    public void EulerAndStochasticDdimAreNamedInTheMetadata()
    {
        var euler = Pipeline.Generate(Request() with { Sampler = "euler" });
        Assert.Contains("Sampler: Euler,", PngText.Read(euler.Png)["parameters"]);
        var eta = Pipeline.Generate(Request() with { Eta = 0.5 });
        Assert.Contains("Sampler: DDIM, Eta: 0.5,", PngText.Read(eta.Png)["parameters"]);
        Assert.Equal(eta.Png, Pipeline.Generate(Request() with { Eta = 0.5 }).Png);
    }

    /// <summary>IProgress that reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(Action<GenerationProgress> report) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => report(value);
    }
}
