using System.Net;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Generation;

public class QueueAndCancelTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task QueuedJobsShowTheirPositionAndACancelledOneNeverRuns()
    {
        var generator = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) };
        await using var app = await TestApp.StartAsync(generator);
        using var http = app.NewClient();

        string running = await http.SubmitAsync(new { prompt = "first", steps = 100 });
        await http.WaitForAsync(running, Timeout, "running");
        string second = await http.SubmitAsync(new { prompt = "second", steps = 2 });
        string third = await http.SubmitAsync(new { prompt = "third", steps = 2 });

        Assert.Equal(1, (await http.StatusAsync(second)).GetProperty("queuePosition").GetInt32());
        Assert.Equal(2, (await http.StatusAsync(third)).GetProperty("queuePosition").GetInt32());

        Assert.Equal(HttpStatusCode.Accepted, (await http.DeleteAsync($"/api/generations/{second}")).StatusCode);
        Assert.Equal("canceled", (await http.StatusAsync(second)).GetProperty("status").GetString());
        await http.DeleteAsync($"/api/generations/{running}");
        await http.WaitForAsync(third, Timeout, "succeeded");

        Assert.False(generator.Completed.ContainsKey("second|" + (await http.StatusAsync(second)).GetProperty("seed").GetInt64()));
        Assert.Equal(2, generator.Completed.Count + generator.Cancelled.Count); // "third" finished, "first" was stopped
    }

    [Fact]
    public async Task CancellingARunningJobStopsTheSamplerWithinAStep()
    {
        var generator = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(50) };
        await using var app = await TestApp.StartAsync(generator);
        using var http = app.NewClient();

        string id = await http.SubmitAsync(new { prompt = "long", steps = 150 });
        Assert.True(await generator.Started.WaitAsync(Timeout));
        await Task.Delay(120);
        var cancelledAt = DateTime.UtcNow;
        Assert.Equal(HttpStatusCode.Accepted, (await http.DeleteAsync($"/api/generations/{id}")).StatusCode);
        int stepWhenAccepted = generator.LatestStep;
        var status = await http.WaitForAsync(id, Timeout, "canceled", "succeeded", "failed");

        Assert.Equal("canceled", status.GetProperty("status").GetString());
        Assert.True(DateTime.UtcNow - cancelledAt < TimeSpan.FromSeconds(1), "cancel must not wait for Hangfire's state poll");
        var (_, step) = Assert.Single(generator.Cancelled);
        // Within a step of the accepted cancel: the step then running may finish, the next check stops it. (A fixed upper
        // step number measured wall time instead: on a loaded machine the DELETE itself took 22 steps' worth.)
        Assert.InRange(step, 2, stepWhenAccepted + 1);
        Assert.Empty(generator.Completed);
        Assert.Equal(HttpStatusCode.Conflict, (await http.DeleteAsync($"/api/generations/{id}")).StatusCode);
    }

    [Fact]
    public async Task TheModelIsLoadedOncePerProcess()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var http = app.NewClient();
        for (int i = 0; i < 3; i++)
            await http.WaitForAsync(await http.SubmitAsync(new { prompt = $"p{i}", steps = 1 }), Timeout, "succeeded");
        Assert.Equal(1, app.Source!.Loads);
    }

    [Fact]
    public async Task HistorySurvivesARestartOfTheApp()
    {
        string dir = Directory.CreateTempSubdirectory("t2i-web-history-").FullName;
        try
        {
            string id;
            var client = new System.Net.CookieContainer();
            await using (var app = await TestApp.StartAsync(new TestDoubleGenerator(), dir))
            {
                using var http = new HttpClient(new HttpClientHandler { CookieContainer = client }) { BaseAddress = app.Address };
                id = await http.SubmitAsync(new { prompt = "keep me", steps = 2 });
                await http.WaitForAsync(id, Timeout, "succeeded");
            }
            await using (var app = await TestApp.StartAsync(new TestDoubleGenerator(), dir))
            {
                // Same browser (cookie jar; cookies ignore ports), new process on a new port.
                using var http = new HttpClient(new HttpClientHandler { CookieContainer = client }) { BaseAddress = app.Address };
                var status = await http.StatusAsync(id);
                Assert.Equal("succeeded", status.GetProperty("status").GetString());
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/generations/{id}/image")).StatusCode);
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}
