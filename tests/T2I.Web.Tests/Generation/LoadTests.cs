using T2I.Web.Generation;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Generation;

public class LoadTests
{
    /// <summary>Four workers compete for the queue: a job fetched twice, or a "database is locked", shows up here.</summary>
    [Theory]
    [InlineData("sqlite")]
    [InlineData("memory")]
    public async Task FiftyConcurrentApiSubmissionsAllCompleteExactlyOnce(string storage)
    {
        var generator = new TestDoubleGenerator { StepDelay = TimeSpan.Zero };
        // 50 clients from one address share one submission bucket.
        await using var app = await TestApp.StartAsync(generator, null, "T2I:Workers=4", "T2I:RateLimit:Burst=100",
            $"T2I:Queue:Storage={storage}");
        var clients = Enumerable.Range(0, 50).Select(_ => app.NewClient()).ToList();

        var ids = await Task.WhenAll(clients.Select((http, i) => http.SubmitAsync(new { prompt = $"load {i}", steps = 4, seed = i })));
        var finals = await Task.WhenAll(clients.Select((http, i) =>
            http.WaitForAsync(ids[i], TimeSpan.FromSeconds(60), "succeeded", "failed", "canceled")));

        Assert.Equal(50, ids.Distinct().Count());
        Assert.All(finals, f => Assert.Equal("succeeded", f.GetProperty("status").GetString()));
        Assert.Equal(50, generator.Completed.Count);
        Assert.All(Enumerable.Range(0, 50), i => Assert.Equal(1, generator.Completed[$"load {i}|{i}"]));
        var store = app.Service<GenerationStore>();
        foreach (var id in ids) Assert.Equal(1, (await store.GetAsync(id))!.Attempts);
        clients.ForEach(c => c.Dispose());
    }
}
