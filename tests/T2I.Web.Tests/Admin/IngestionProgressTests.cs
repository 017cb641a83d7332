using Bunit;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using T2I.Core.Ingest;
using T2I.Core.Storage;
using T2I.Core.Synthesis;
using T2I.Web.Admin;
using T2I.Web.Components.Monitoring;
using T2I.Web.Ingestion;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Admin;

/// <summary>
/// The admin page's ingestion panel over a real ingestion output (synthetic shards with defects, dedup on) and the
/// app's real Hangfire storage, with unit jobs put in the states a running or broken worker leaves them in.
/// </summary>
public sealed class IngestionProgressTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("t2i-web-progress-").FullName;
    private string Input => Path.Combine(_root, "raw");
    private string Output => Path.Combine(_root, "buckets");

    private IngestRunner Runner(IngestPhase phase = IngestPhase.All) =>
        new(new LocalBlobStore(Input), new LocalBlobStore(Output), [256], FilterConfig.Load(null))
        {
            Workers = 2, Options = new IngestOptions { Phase = phase },
        };

    private Task<TestApp> StartAsync() => TestApp.StartWithAsync(_ => { },
        $"T2I:Ingestion:Input={Input}", $"T2I:Ingestion:Output={Output}", "T2I:Ingestion:Resolutions=256");

    [Fact]
    public async Task AFinishedIngestionShowsEveryCommitsCountsAndDropsByReasonOnThePanel()
    {
        await SyntheticShards.WriteAsync(new LocalBlobStore(Input), count: 60, shards: 3, seed: 11, defectShare: 0.3);
        var summary = await Runner().RunAsync();
        await using var app = await StartAsync();

        var view = await app.Service<IngestionProgress>().TakeAsync(CancellationToken.None);

        var manifest = summary.Manifest;
        Assert.Null(view.Error);
        Assert.Equal(("done", 3, 3, 0), (view.Phase, view.Shards, view.Committed, view.UnitsLeft));
        Assert.Equal(manifest.Shards.Values.Sum(s => s.Kept), view.Kept);
        Assert.Equal(manifest.Shards.Values.Sum(s => s.Samples), view.Samples);
        Assert.NotEmpty(view.Drops);
        foreach (var (reason, n) in view.Drops) Assert.Equal(manifest.TotalDrops(reason), n);
        Assert.Equal(view.Samples - view.Kept, view.Drops.Values.Sum());
        // Committed seconds ago: all of it falls in the rate window.
        Assert.Equal(view.Samples / IngestionProgress.RateWindow.TotalSeconds, view.ImagesPerSecond, 6);

        using var bunit = new BunitContext();
        bunit.Services.AddSingleton(app.Service<IngestionProgress>());
        var panel = bunit.Render<IngestionProgressPanel>();
        panel.WaitForAssertion(() => Assert.Equal("done", panel.Find(".phase").TextContent), TimeSpan.FromSeconds(30));
        Assert.Equal("3", panel.Find(".committed").TextContent);
        Assert.Equal(view.Kept.ToString(), panel.Find(".kept").TextContent);
        Assert.Equal(view.Drops.Count, panel.FindAll("table.drops td.count").Count);
        Assert.Empty(panel.FindAll(".running"));
    }

    [Fact]
    public async Task DuringTheWritePhaseUnitsAreRunningFailedOrWaitingFromHangfiresJobStates()
    {
        await SyntheticShards.WriteAsync(new LocalBlobStore(Input), count: 40, shards: 4, seed: 12, defectShare: 0);
        await Runner(IngestPhase.Screen).RunAsync();
        await Runner(IngestPhase.Dedup).RunAsync();
        var runner = Runner();
        var shards = (await runner.PlanAsync(CancellationToken.None)).Shards;
        await runner.WriteAsync(shards[3], CancellationToken.None);
        await using var app = await StartAsync();
        var jobs = app.Service<IBackgroundJobClient>();
        // Set straight in the storage, as a worker's last attempt leaves it: through the client, the retry filter
        // would turn a failure into a scheduled retry.
        void Unit(IngestPhase phase, string unit, IState state)
        {
            string id = jobs.Create<IngestionUnitJob>(j => j.RunAsync(phase, unit, CancellationToken.None),
                new ScheduledState(TimeSpan.FromDays(1)));
            using var connection = app.Service<JobStorage>().GetConnection();
            using var transaction = connection.CreateWriteTransaction();
            transaction.SetJobState(id, state);
            transaction.Commit();
        }
        Unit(IngestPhase.Write, shards[0].TarKey, new ProcessingOnServer("worker-a"));
        Unit(IngestPhase.Write, shards[1].TarKey, new FailedState(new IOException("store down")));
        Unit(IngestPhase.Write, shards[3].TarKey, new FailedState(new IOException("committed by its retry")));
        Unit(IngestPhase.Screen, shards[2].TarKey, new FailedState(new IOException("an earlier phase")));

        var view = await app.Service<IngestionProgress>().TakeAsync(CancellationToken.None);

        Assert.Null(view.Error);
        Assert.Equal(("write", 4, 1), (view.Phase, view.Shards, view.Committed));
        Assert.Equal((3, 1, 1, 1), (view.UnitsLeft, view.Running, view.Failed, view.Waiting));

        using var bunit = new BunitContext();
        bunit.Services.AddSingleton(app.Service<IngestionProgress>());
        var panel = bunit.Render<IngestionProgressPanel>();
        panel.WaitForAssertion(() => Assert.Equal("write", panel.Find(".phase").TextContent), TimeSpan.FromSeconds(30));
        Assert.Equal(["1", "1", "1"], new[] { ".running", ".failed", ".waiting" }.Select(c => panel.Find(c).TextContent));
    }

    [Fact]
    public async Task AnOutputNotStartedIsNotCreatedByLookingAtIt()
    {
        await SyntheticShards.WriteAsync(new LocalBlobStore(Input), count: 10, shards: 1, seed: 13);
        await using var app = await StartAsync();

        var view = await app.Service<IngestionProgress>().TakeAsync(CancellationToken.None);

        Assert.Equal("not started", view.Phase);
        Assert.False(File.Exists(Path.Combine(Output, IngestManifest.Key)));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
