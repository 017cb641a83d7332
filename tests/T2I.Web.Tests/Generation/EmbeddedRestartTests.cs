using System.Net;
using System.Text.Json;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Generation;

/// <summary>
/// Restarts of the embedded server on the in-memory queue (<c>T2I:Queue:Storage=memory</c>) with jobs queued and
/// running. Hangfire's in-memory queue is gone after a restart, while the generation records on disk survive it.
/// </summary>
public class EmbeddedRestartTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const string Memory = "T2I:Queue:Storage=memory";

    [Fact]
    public async Task AfterARestartAClientsStaleRecordsNeverShowOrCancelAnotherClientsJobs()
    {
        string dir = Directory.CreateTempSubdirectory("t2i-web-restart-").FullName;
        var jarA = new CookieContainer();
        try
        {
            string aRunning, aQueued;
            await using (var app = await TestApp.StartAsync(new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) }, dir, Memory))
            {
                using var a = app.NewClient(jarA);
                aRunning = await a.SubmitAsync(new { prompt = "a running", steps = 150 });
                await a.WaitForAsync(aRunning, Timeout, "running");
                aQueued = await a.SubmitAsync(new { prompt = "a queued", steps = 150 });
            } // graceful stop: one of A's jobs mid-sampling, one waiting

            var generator = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) };
            await using (var app = await TestApp.StartAsync(generator, dir, Memory))
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

    [Fact]
    public async Task JobsQueuedOrRunningWhenTheServerStopsOrIsKilledAllFinishAfterARestart()
    {
        string dir = Directory.CreateTempSubdirectory("t2i-web-restart-").FullName;
        var jar = new CookieContainer();
        try
        {
            string stopped, killed, queued;
            await using (var app = await TestApp.StartAsync(new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) }, dir, Memory))
            {
                using var http = app.NewClient(jar);
                killed = await RunningSnapshotAsync(http, dir, "killed mid-run", seed: 1);
                stopped = await http.SubmitAsync(new { prompt = "stopped mid-run", steps = 150, seed = 2 });
                queued = await http.SubmitAsync(new { prompt = "never started", steps = 3, seed = 3 });
                await http.DeleteAsync($"/api/generations/{killed}"); // let "stopped" run; the snapshot brings "killed" back
                await http.WaitForAsync(stopped, Timeout, "running");
            }
            RestoreSnapshot(dir, killed); // what a kill -9 leaves behind: a record saying "running"

            var generator = new TestDoubleGenerator { StepDelay = TimeSpan.Zero };
            await using (var app = await TestApp.StartAsync(generator, dir, Memory))
            {
                using var http = app.NewClient(jar);
                var expected = new[] { (killed, "killed mid-run|1"), (stopped, "stopped mid-run|2"), (queued, "never started|3") };
                foreach (var (id, key) in expected)
                {
                    var status = await http.WaitForAsync(id, Timeout, "succeeded", "failed", "canceled");
                    Assert.True(status.GetProperty("status").GetString() == "succeeded", $"{key}: {status}");
                    Assert.Equal(1, generator.Completed[key]);
                }
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task AJobLeftRunningByAKilledServerCanBeCancelledAfterTheRestart()
    {
        string dir = Directory.CreateTempSubdirectory("t2i-web-restart-").FullName;
        var jar = new CookieContainer();
        try
        {
            string killed;
            await using (var app = await TestApp.StartAsync(new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) }, dir, Memory))
            {
                using var http = app.NewClient(jar);
                killed = await RunningSnapshotAsync(http, dir, "killed mid-run", seed: 1);
            }
            RestoreSnapshot(dir, killed);

            await using (var app = await TestApp.StartAsync(new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(50) }, dir, Memory))
            {
                using var http = app.NewClient(jar);
                Assert.Equal(HttpStatusCode.Accepted, (await http.DeleteAsync($"/api/generations/{killed}")).StatusCode);
                var status = await http.WaitForAsync(killed, Timeout, "canceled", "succeeded", "failed");
                Assert.Equal("canceled", status.GetProperty("status").GetString());
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>Submits a long job, waits until it runs and keeps a copy of its record as it is on disk then.</summary>
    private static async Task<string> RunningSnapshotAsync(HttpClient http, string dir, string prompt, long seed)
    {
        string id = await http.SubmitAsync(new { prompt, steps = 150, seed });
        await http.WaitForAsync(id, Timeout, "running");
        string record = Path.Combine(dir, GenerationStore.RecordKey(id));
        File.Copy(record, record + ".running");
        var copy = JsonSerializer.Deserialize<GenerationRecord>(File.ReadAllText(record + ".running"), JsonSerializerOptions.Web);
        Assert.Equal(GenerationStatus.Running, copy!.Status);
        return id;
    }

    private static void RestoreSnapshot(string dir, string id)
    {
        string record = Path.Combine(dir, GenerationStore.RecordKey(id));
        File.Move(record + ".running", record, overwrite: true);
    }

    /// <summary>The generation id carried by the job at <paramref name="position"/> (1-based) of the generation queue.</summary>
    /// <summary>The generation at a queue position: Hangfire's FIFO queue first, then the held jobs in their fair order.</summary>
    private static string? GenerationAt(TestApp app, int position) =>
        app.Service<Hangfire.JobStorage>().GetMonitoringApi().EnqueuedJobs(GenerationJob.Queue, 0, 1000)
            .Select(kv => kv.Value.Job?.Args[0] as string)
            .Concat(app.Service<T2I.Web.Generation.FairDispatcher>().Order().Select(j => j.GenerationId))
            .ElementAtOrDefault(position - 1);
}
