using System.Net;
using System.Text.Json;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Generation;

/// <summary>
/// Restarts of the default (embedded, in-memory Hangfire) server with jobs queued and running. Hangfire's
/// in-memory queue is gone after a restart, while the generation records on disk survive it.
/// </summary>
public class EmbeddedRestartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AfterARestartAClientsStaleRecordsNeverShowOrCancelAnotherClientsJobs()
    {
        string dir = Directory.CreateTempSubdirectory("t2i-web-restart-").FullName;
        var jarA = new CookieContainer();
        try
        {
            string aRunning, aQueued;
            await using (var app = await TestApp.StartAsync(new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) }, dir))
            {
                using var a = app.NewClient(jarA);
                aRunning = await a.SubmitAsync(new { prompt = "a running", steps = 150 });
                await a.WaitForAsync(aRunning, Timeout, "running");
                aQueued = await a.SubmitAsync(new { prompt = "a queued", steps = 150 });
            } // graceful stop: one of A's jobs mid-sampling, one waiting

            var generator = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) };
            await using (var app = await TestApp.StartAsync(generator, dir))
            {
                using var a = app.NewClient(jarA);
                using var b = app.NewClient();
                string bRunning = await b.SubmitAsync(new { prompt = "b running", steps = 100, seed = 7 });
                string bQueued = await b.SubmitAsync(new { prompt = "b queued", steps = 2, seed = 8 });

                var aView = await a.StatusAsync(aQueued);
                if (aView.GetProperty("queuePosition") is { ValueKind: JsonValueKind.Number } position)
                    Assert.True(GenerationAt(app, position.GetInt32()) == aQueued, $"A's stale record shows a place in B's queue: {aView}");
                await a.DeleteAsync($"/api/generations/{aRunning}");
                await a.DeleteAsync($"/api/generations/{aQueued}");

                var running = await b.WaitForAsync(bRunning, Timeout, "succeeded", "failed", "canceled");
                var queued = await b.WaitForAsync(bQueued, Timeout, "succeeded", "failed", "canceled");
                Assert.Equal("succeeded", running.GetProperty("status").GetString());
                Assert.Equal("succeeded", queued.GetProperty("status").GetString());
                Assert.Equal(1, generator.Completed["b running|7"]);
                Assert.Equal(1, generator.Completed["b queued|8"]);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>The generation id carried by the job at <paramref name="position"/> (1-based) of the generation queue.</summary>
    private static string? GenerationAt(TestApp app, int position) =>
        app.Service<Hangfire.JobStorage>().GetMonitoringApi().EnqueuedJobs(GenerationJob.Queue, position - 1, 1)
            .Select(kv => kv.Value.Job?.Args[0] as string).SingleOrDefault();
}
