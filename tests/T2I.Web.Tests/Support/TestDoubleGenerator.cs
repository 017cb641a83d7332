using System.Collections.Concurrent;
using SkiaSharp;
using T2I.Core.Inference;

namespace T2I.Web.Tests.Support;

/// <summary>
/// TEST DOUBLE — not a model. Draws a deterministic two-colour picture from (prompt, seed), reports progress
/// after every "step" (with a preview every <see cref="PreviewEvery"/> steps), sleeps <see cref="StepDelay"/>
/// per step so tests can watch and cancel, and honours cancellation between steps like a sampler must.
/// It counts calls, so tests can prove "each request generated exactly once".
/// </summary>
public sealed class TestDoubleGenerator(int baseResolution = 256) : ITextToImageGenerator
{
    public const string TestModelId = "test-double-gradient";
    public string ModelId => TestModelId;
    public int BaseResolution => baseResolution;
    public TimeSpan StepDelay { get; set; } = TimeSpan.FromMilliseconds(2);
    public int PreviewEvery { get; set; } = 5;

    /// <summary>Calls that finished, keyed by "prompt|seed".</summary>
    public ConcurrentDictionary<string, int> Completed { get; } = new();
    public ConcurrentQueue<(string Key, int Step)> Cancelled { get; } = new();

    private int _latestStep;

    /// <summary>The step the sampler most recently began (read by tests to bound how far a cancel lets it run).</summary>
    public int LatestStep => Volatile.Read(ref _latestStep);

    /// <summary>Set while a call runs; tests wait on it to act "during" a generation.</summary>
    public SemaphoreSlim Started { get; } = new(0);

    public static string KeyOf(GenerationRequest r) => $"{r.Prompt}|{r.Seed}";

    public GeneratedImage Generate(GenerationRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken ct = default)
    {
        var started = DateTime.UtcNow;
        Started.Release();
        for (int step = 1; step <= request.Steps; step++)
        {
            Volatile.Write(ref _latestStep, step);
            if (ct.IsCancellationRequested)
            {
                Cancelled.Enqueue((KeyOf(request), step));
                ct.ThrowIfCancellationRequested();
            }
            if (StepDelay > TimeSpan.Zero) Thread.Sleep(StepDelay);
            byte[]? preview = step % PreviewEvery == 0 ? Draw(request, 32, 32) : null;
            progress?.Report(new GenerationProgress(step, request.Steps, preview));
        }
        var png = PngText.Write(Draw(request, request.Width, request.Height), new Dictionary<string, string> { ["parameters"] = ParametersText(request) });
        Completed.AddOrUpdate(KeyOf(request), 1, (_, n) => n + 1);
        return new GeneratedImage(png, request, ModelId, DateTime.UtcNow - started);
    }

    /// <summary>The <c>parameters</c> chunk text (A1111 style) the double writes, as the real pipeline does.</summary>
    public static string ParametersText(GenerationRequest r) =>
        $"{r.Prompt}\nNegative prompt: {r.NegativePrompt}\nSteps: {r.Steps}, Sampler: {r.Sampler}, CFG scale: {r.Guidance}, Seed: {r.Seed}, Size: {r.Width}x{r.Height}, Model: {TestModelId}";

    /// <summary>The exact PNG bytes a request produces (what the web app must serve unchanged).</summary>
    public static byte[] Draw(GenerationRequest r, int width, int height)
    {
        long seed = r.Seed ?? 0;
        var rng = new Random(StableHash(r.Prompt) ^ (int)seed ^ (int)(seed >> 32));
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)));
            using var paint = new SKPaint { Color = new SKColor((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)) };
            canvas.DrawCircle(width / 2f, height / 2f, Math.Min(width, height) / 3f, paint);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static int StableHash(string s)
    {
        unchecked
        {
            int h = 17;
            foreach (char c in s) h = h * 31 + c;
            return h;
        }
    }
}

/// <summary>TEST DOUBLE source: hands out one <see cref="TestDoubleGenerator"/> and counts how often it was asked to load.</summary>
public sealed class TestDoubleGeneratorSource(TestDoubleGenerator generator) : T2I.Web.Generation.IGeneratorSource
{
    private int _loads;
    public int Loads => _loads;
    public TestDoubleGenerator Generator => generator;

    public ITextToImageGenerator Load()
    {
        Interlocked.Increment(ref _loads);
        return generator;
    }
}
