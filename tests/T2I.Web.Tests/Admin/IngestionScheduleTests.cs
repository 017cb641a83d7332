using Microsoft.Extensions.DependencyInjection;
using T2I.Core.Ingest;
using T2I.Core.Storage;
using T2I.Core.Synthesis;
using T2I.Web.Admin;
using T2I.Web.Ingestion;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Admin;

public class IngestionScheduleTests
{
    /// <summary>TEST DOUBLE for DataPrep's ingestion: counts runs.</summary>
    private sealed class CountingIngestion : IShardIngestion
    {
        public int Runs;
        public Task<string> RunAsync(CancellationToken ct) => Task.FromResult($"run {Interlocked.Increment(ref Runs)}");
        public Task<string> RunUnitAsync(IngestPhase phase, string unit, CancellationToken ct) => throw new NotSupportedException();
    }

    [Fact]
    public async Task AConfiguredCronRegistersTheIngestionJobAndRunNowRunsIt()
    {
        var ingestion = new CountingIngestion();
        await using var app = await TestApp.StartWithAsync(s => s.AddSingleton<IShardIngestion>(ingestion), "T2I:Ingestion:Cron=0 3 * * *");
        var monitor = app.Service<AdminMonitor>();

        var row = Assert.Single(monitor.Take().Schedule);
        Assert.Equal(ShardIngestionJob.RecurringId, row.Id);
        Assert.Equal("0 3 * * *", row.Cron);
        Assert.Equal(0, ingestion.Runs);

        monitor.RunNow(row.Id);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Volatile.Read(ref ingestion.Runs) == 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(1, ingestion.Runs);
    }

    [Fact]
    public async Task WithoutACronNothingIsScheduled()
    {
        await using var app = await TestApp.StartWithAsync(s => s.AddSingleton<IShardIngestion>(new CountingIngestion()));
        Assert.Empty(app.Service<AdminMonitor>().Take().Schedule);
    }

    [Fact]
    public async Task ConfiguredInputAndOutputRunDataPrepsRealIngestionOnRunNow()
    {
        string root = Directory.CreateTempSubdirectory("t2i-web-ingest-").FullName;
        string input = Path.Combine(root, "raw"), output = Path.Combine(root, "buckets");
        await SyntheticShards.WriteAsync(new LocalBlobStore(input), count: 24, shards: 2, seed: 5, defectShare: 0);
        await using var app = await TestApp.StartWithAsync(_ => { },
            "T2I:Ingestion:Cron=0 3 * * *", $"T2I:Ingestion:Input={input}", $"T2I:Ingestion:Output={output}", "T2I:Ingestion:Resolutions=256");
        Assert.IsType<ConfiguredShardIngestion>(app.Service<IShardIngestion>());
        var monitor = app.Service<AdminMonitor>();

        monitor.RunNow(Assert.Single(monitor.Take().Schedule).Id);
        // The plan enqueues screen units; the last one hands over to dedup, dedup to write: two commits at the end.
        string commits = Path.Combine(output, "_commits");
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!Directory.Exists(commits) || Directory.GetFiles(commits).Length < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "ingestion did not finish");
            await Task.Delay(200);
        }

        Assert.NotEmpty(Directory.GetFiles(Path.Combine(output, "res256"), "*.parquet", SearchOption.AllDirectories));
        Directory.Delete(root, recursive: true);
    }
}
