using System.Text.Json;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.States;
using Microsoft.Extensions.Logging.Abstractions;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Generation;

/// <summary>
/// What a worker publishes for pages in other processes: throttled to one write per interval, never dropping an
/// image's last step, carrying the latest preview between previews — and nothing at all on embedded storage.
/// (The scale-out test shows the same progress reaching a separate web process through PostgreSQL.)
/// </summary>
public class SharedProgressTests
{
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Ticks;
        public void Advance(int ms) => Ticks += TimeSpan.FromMilliseconds(ms).Ticks;
    }

    private static (JobStorage Storage, string JobId) NewJob()
    {
        var storage = new InMemoryStorage();
        return (storage, new BackgroundJobClient(storage).Create(() => NoopJob.Run(), new ScheduledState(TimeSpan.FromHours(1))));
    }

    private static LiveProgress? Stored(JobStorage storage, string jobId)
    {
        using var connection = storage.GetConnection();
        return connection.GetJobParameter(jobId, SharedProgress.Parameter) is { } json ? JsonSerializer.Deserialize<LiveProgress>(json) : null;
    }

    [Fact]
    public void WritesAreThrottledButKeepLastStepsAndPreviews()
    {
        var (storage, jobId) = NewJob();
        var clock = new ManualClock();
        var shared = new SharedProgress(storage, new GenerationStoreOptions(Shared: true), clock, NullLogger<SharedProgress>.Instance);
        var publisher = shared.PublisherFor(jobId);
        byte[] preview = [1, 2, 3];

        publisher.Report(new LiveProgress(0, 2, 1, 10, preview));
        var first = Stored(storage, jobId)!;
        Assert.Equal(1, first.Step);
        Assert.Equal(preview, first.PreviewPng);

        clock.Advance(100);
        publisher.Report(new LiveProgress(0, 2, 2, 10, null));
        Assert.Equal(1, Stored(storage, jobId)!.Step); // within the interval: not written

        clock.Advance(200);
        publisher.Report(new LiveProgress(0, 2, 3, 10, null));
        var third = Stored(storage, jobId)!;
        Assert.Equal(3, third.Step);
        Assert.Equal(preview, third.PreviewPng); // the last preview travels along

        clock.Advance(10);
        publisher.Report(new LiveProgress(0, 2, 10, 10, null));
        Assert.Equal(10, Stored(storage, jobId)!.Step); // an image's last step is never dropped

        clock.Advance(300);
        var read = shared.Read(jobId)!;
        Assert.Equal((0, 2, 10, 10), (read.Image, read.ImageCount, read.Step, read.TotalSteps));
        Assert.Equal(preview, read.PreviewPng);
    }

    [Fact]
    public void EmbeddedStorageWritesAndReadsNothing()
    {
        var (storage, jobId) = NewJob();
        var shared = new SharedProgress(storage, new GenerationStoreOptions(Shared: false), TimeProvider.System, NullLogger<SharedProgress>.Instance);
        shared.PublisherFor(jobId).Report(new LiveProgress(0, 1, 1, 4, null));
        Assert.Null(Stored(storage, jobId));
        Assert.Null(shared.Read(jobId));
    }
}
