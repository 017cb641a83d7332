using T2I.Core.Inference;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Generation;

public class BatchingGeneratorTests
{
    private static GenerationRequest Request(string prompt, long seed, int steps = 10) => new(prompt, "", 256, 256, steps, 5.0, seed);

    [Fact]
    public async Task CallsWaitingWhileTheModelIsBusyShareItsNextRunAndEachGetsItsOwnImages()
    {
        var inner = new GatedGenerator();
        var batching = new BatchingGenerator(inner, maxBatch: 4);
        var first = OnThread(() => batching.Generate(Request("first", 1)));
        Assert.True(await inner.Entered.WaitAsync(TimeSpan.FromSeconds(10)));

        // While "first" samples: three compatible calls (one of two images) and one with other steps.
        var waiting = new[]
        {
            OnThread(() => batching.GenerateBatch([Request("b", 2), Request("b", 3)])),
            OnThread(() => batching.GenerateBatch([Request("c", 4)])),
            OnThread(() => batching.GenerateBatch([Request("other steps", 5, steps: 3)])),
            OnThread(() => batching.GenerateBatch([Request("d", 6)])),
        };
        for (int i = 0; i < 200 && batching.WaitingCalls < 4; i++) await Task.Delay(25);
        Assert.Equal(4, batching.WaitingCalls);
        inner.Release.Release(10);
        var results = await Task.WhenAll(waiting);

        Assert.Equal("first", (await first).Request.Prompt);
        Assert.Equal([2L, 3L], results[0].Select(i => i.Request.Seed!.Value));
        Assert.Equal(["c"], results[1].Select(i => i.Request.Prompt));
        Assert.Equal(["other steps"], results[2].Select(i => i.Request.Prompt));
        Assert.Equal(["d"], results[3].Select(i => i.Request.Prompt));
        for (int i = 0; i < results.Length; i++)
            foreach (var image in results[i])
                Assert.Equal(TestDoubleGenerator.ParametersText(image.Request), PngText.Read(image.Png)["parameters"]);
        // first alone; then b, b, c, d in one run of 4 (the incompatible call waits for its own run).
        Assert.Equal(new Dictionary<int, long> { [1] = 2, [4] = 1 }, batching.BatchSizes.Snapshot());
        Assert.Equal([1, 4, 1], inner.Runs);
    }

    [Fact]
    public async Task ACancelledCallerReturnsAtOnceWhileTheOthersInItsRunGetTheirImages()
    {
        var inner = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(30) };
        var batching = new BatchingGenerator(inner, maxBatch: 4);
        var busy = OnThread(() => batching.Generate(Request("busy", 1, steps: 15)));
        Assert.True(await inner.Started.WaitAsync(TimeSpan.FromSeconds(10)));
        using var cancel = new CancellationTokenSource();
        var cancelled = OnThread(() => batching.Generate(Request("cancelled", 2, steps: 20), ct: cancel.Token));
        var kept = OnThread(() => batching.Generate(Request("kept", 3, steps: 20)));
        await busy;
        Assert.True(await inner.Started.WaitAsync(TimeSpan.FromSeconds(10))); // the shared run began

        var clock = System.Diagnostics.Stopwatch.StartNew();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the cancelled caller waited {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal("kept", (await kept).Request.Prompt);
        Assert.Equal(1, inner.Completed[TestDoubleGenerator.KeyOf(Request("kept", 3))]);
    }

    [Fact]
    public async Task WhenEveryCallerOfARunCancelsTheRunStops()
    {
        var inner = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(30) };
        var batching = new BatchingGenerator(inner, maxBatch: 4);
        using var cancel = new CancellationTokenSource();
        var call = OnThread(() => batching.Generate(Request("alone", 1, steps: 1000), ct: cancel.Token));
        Assert.True(await inner.Started.WaitAsync(TimeSpan.FromSeconds(10)));
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        for (int i = 0; i < 100 && inner.Cancelled.IsEmpty; i++) await Task.Delay(50);
        Assert.False(inner.Cancelled.IsEmpty, "the run never stopped");
        Assert.True(inner.LatestStep < 100, $"the run went on to step {inner.LatestStep}");
    }

    /// <summary>A caller on a thread of its own, as a Hangfire worker is (blocked pool threads would starve each other).</summary>
    private static Task<T> OnThread<T>(Func<T> call) => Task.Factory.StartNew(call, CancellationToken.None,
        TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>The test double whose runs wait for the test's go (the first run signals that it has begun).</summary>
    private sealed class GatedGenerator : ITextToImageGenerator
    {
        private readonly TestDoubleGenerator _inner = new() { StepDelay = TimeSpan.Zero };
        public SemaphoreSlim Entered { get; } = new(0);
        public SemaphoreSlim Release { get; } = new(0);
        public List<int> Runs { get; } = [];
        public string ModelId => _inner.ModelId;
        public int BaseResolution => _inner.BaseResolution;

        public GeneratedImage Generate(GenerationRequest r, IProgress<GenerationProgress>? p = null, CancellationToken ct = default) =>
            GenerateBatch([r], p, ct)[0];

        public IReadOnlyList<GeneratedImage> GenerateBatch(IReadOnlyList<GenerationRequest> requests,
            IProgress<GenerationProgress>? progress = null, CancellationToken ct = default)
        {
            lock (Runs) Runs.Add(requests.Count);
            Entered.Release();
            Release.Wait(ct);
            return requests.Select(r => _inner.Generate(r, progress, ct)).ToList();
        }
    }
}
