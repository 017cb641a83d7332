using System.Net;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Durability;

/// <summary>Restart scenarios every durable queue storage must pass (PostgreSQL, the embedded SQLite file).</summary>
public static class RestartScenarios
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The app stops gracefully (what SIGTERM does) with one job mid-sampling and one never started; after a restart
    /// on the same data both complete, each exactly once.
    /// </summary>
    public static async Task StopWithRunningAndQueuedJobsAsync(params string[] settings)
    {
        string dir = Directory.CreateTempSubdirectory("t2i-web-durable-").FullName;
        var browser = new CookieContainer();
        string running, queued;
        try
        {
            var first = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) };
            await using (var app = await TestApp.StartAsync(first, dir, settings))
            {
                using var http = app.NewClient(browser);
                running = await http.SubmitAsync(new { prompt = "interrupted", steps = 150, seed = 1 });
                await http.WaitForAsync(running, Timeout, "running");
                queued = await http.SubmitAsync(new { prompt = "waiting", steps = 5, seed = 2 });
                Assert.Equal(1, (await http.StatusAsync(queued)).GetProperty("queuePosition").GetInt32());
            } // the app stops here: one job mid-sampling, one never started

            Assert.Empty(first.Completed);
            Assert.NotEmpty(first.Cancelled);

            var second = new TestDoubleGenerator { StepDelay = TimeSpan.Zero };
            await using (var app = await TestApp.StartAsync(second, dir, settings))
            {
                using var http = app.NewClient(browser);
                foreach (var id in new[] { queued, running })
                {
                    var end = await http.WaitForAsync(id, Timeout, "succeeded", "failed");
                    Assert.Equal("succeeded", end.GetProperty("status").GetString());
                }
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/generations/{queued}/image")).StatusCode);
                await Task.Delay(1500); // a duplicate run would show up here
            }
            Assert.Equal(1, second.Completed["interrupted|1"]);
            Assert.Equal(1, second.Completed["waiting|2"]);
            Assert.Equal(2, second.Completed.Count);
        }
        finally { Directory.Delete(dir, true); }
    }
}
