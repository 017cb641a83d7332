using System.Net;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Durability;

/// <summary>Hangfire on a real PostgreSQL: queued and interrupted jobs survive a restart of the app.</summary>
public class PostgresDurabilityTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task JobsQueuedOrRunningWhenTheAppStopsCompleteAfterARestartExactlyOnce()
    {
        string dir = Directory.CreateTempSubdirectory("t2i-web-pg-").FullName;
        string setting = "ConnectionStrings:Hangfire=" + postgres.ConnectionString;
        var browser = new CookieContainer();
        string running, queued;
        try
        {
            var first = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) };
            await using (var app = await TestApp.StartAsync(first, dir, setting))
            {
                using var http = new HttpClient(new HttpClientHandler { CookieContainer = browser }) { BaseAddress = app.Address };
                running = await http.SubmitAsync(new { prompt = "interrupted", steps = 150, seed = 1 });
                await http.WaitForAsync(running, Timeout, "running");
                queued = await http.SubmitAsync(new { prompt = "waiting", steps = 5, seed = 2 });
                Assert.Equal(1, (await http.StatusAsync(queued)).GetProperty("queuePosition").GetInt32());
            } // the app stops here: one job mid-sampling, one never started

            Assert.Empty(first.Completed);
            Assert.NotEmpty(first.Cancelled);

            var second = new TestDoubleGenerator { StepDelay = TimeSpan.Zero };
            await using (var app = await TestApp.StartAsync(second, dir, setting))
            {
                using var http = new HttpClient(new HttpClientHandler { CookieContainer = browser }) { BaseAddress = app.Address };
                Assert.Equal("succeeded", (await http.WaitForAsync(queued, Timeout, "succeeded", "failed")).GetProperty("status").GetString());
                Assert.Equal("succeeded", (await http.WaitForAsync(running, Timeout, "succeeded", "failed")).GetProperty("status").GetString());
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
