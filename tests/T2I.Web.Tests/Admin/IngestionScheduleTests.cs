using Microsoft.Extensions.DependencyInjection;
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
        public Task RunAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref Runs);
            return Task.CompletedTask;
        }
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
}
