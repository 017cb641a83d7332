using Hangfire;
using T2I.Core.Inference;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Generation;

public class GenerationJobTests
{
    [Fact]
    public async Task AStoredRequestOutsideTheLimitsFailsWithTheValidatorsMessageAndDrawsNothing()
    {
        // A record queued under other limits (Core once allowed 1000 steps) or for another model's bucket table.
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        var store = app.Service<GenerationStore>();
        var record = new GenerationRecord(GenerationStore.NewId(), "client", new GenerationRequest("old", Steps: 900, Seed: 1),
            GenerationStatus.Queued, DateTimeOffset.UtcNow);
        await store.AddAsync(record);
        await GenerationJobs.EnqueueAsync(app.Service<IBackgroundJobClient>(), store, record,
            app.Service<T2I.Web.Generation.FairDispatcher>());
        using var http = app.NewScript();

        var done = await http.WaitForAsync(record.Id, TimeSpan.FromSeconds(30), "failed", "succeeded");

        Assert.Equal("failed", done.GetProperty("status").GetString());
        Assert.Equal("Steps must be between 1 and 150 (got 900).", done.GetProperty("error").GetString());
        Assert.Empty(app.Generator!.Completed);
    }
}
