using SkiaSharp;
using T2I.Core.Inference;

namespace T2I.Core.Tests.Inference;

public class BatchedGenerationTests
{
    private static readonly T2IPipeline Pipeline = new(T2IPipeline.CreateUntrained(baseResolution: 64, seed: 3)) { PreviewEvery = 0 };

    private static GenerationRequest Request(string prompt, long seed) => new(prompt, "blurry", 64, 64, 4, 5.0, seed);

    [Fact]
    public void EachImageOfABatchIsTheImageItsSeedDrawsAlone()
    {
        GenerationRequest[] requests =
        [
            Request("a red circle", 11),
            Request("a blue square on a black background", 12),
            Request("a green triangle", 13) with { NegativePrompt = "" },
        ];
        var alone = requests.Select(r => Pipeline.Generate(r)).ToArray();
        var batched = Pipeline.GenerateBatch(requests);

        Assert.Equal(requests.Length, batched.Count);
        for (int i = 0; i < requests.Length; i++)
        {
            Assert.Equal(requests[i], batched[i].Request);
            Assert.Equal(PngText.Read(alone[i].Png), PngText.Read(batched[i].Png));
            var (max, mean) = Difference(alone[i].Png, batched[i].Png);
            // Batched GEMMs sum in another order: a level or two at most, on few pixels.
            Assert.True(max <= 2 && mean < 0.05, $"image {i}: batched differs by up to {max} (mean {mean:0.000}) / 255");
        }
        Assert.NotEqual(0, Difference(batched[0].Png, batched[1].Png).Mean);
    }

    [Fact]
    public void IncompatibleRequestsAreRefusedAndChunksCoverEveryImage()
    {
        var a = Request("a red circle", 1);
        Assert.Null(GenerationBatch.Refusal([a, a with { Prompt = "x", Seed = 5, NegativePrompt = "" }]));
        Assert.NotNull(GenerationBatch.Refusal([a, a with { Steps = 5 }]));
        Assert.NotNull(GenerationBatch.Refusal([a, a with { Guidance = 3 }]));
        Assert.NotNull(GenerationBatch.Refusal([a with { Eta = 0.5 }, a with { Eta = 0.5 }]));
        Assert.Null(GenerationBatch.Refusal([a with { Eta = 0.5 }]));
        Assert.Throws<ArgumentException>(() => Pipeline.GenerateBatch([a, a with { Width = 32 }]));

        Assert.Equal(["0..4", "4..8", "8..9"], GenerationBatch.Chunks(9, 4).Select(r => $"{r.Start}..{r.End}"));
        Assert.Empty(GenerationBatch.Chunks(0, 4));
    }

    private static (int Max, double Mean) Difference(byte[] a, byte[] b)
    {
        using var x = SKBitmap.Decode(a);
        using var y = SKBitmap.Decode(b);
        var d = x.Pixels.Zip(y.Pixels, (p, q) => Math.Max(Math.Abs(p.Red - q.Red), Math.Max(Math.Abs(p.Green - q.Green),
            Math.Abs(p.Blue - q.Blue)))).ToArray();
        return (d.Max(), d.Average());
    }
}
