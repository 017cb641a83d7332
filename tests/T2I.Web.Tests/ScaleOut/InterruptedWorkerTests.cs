using System.Net;
using System.Text.Json;
using Hangfire.States;
using T2I.Core.Inference;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;
using Xunit.Abstractions;

namespace T2I.Web.Tests.ScaleOut;

/// <summary>
/// PostgreSQL, a web and a worker process: the worker is killed with <c>kill -9</c> mid-generation. Until the
/// invisibility timeout hands the job to another worker, the web shows it interrupted (not running with frozen
/// progress), and a cancel in that window ends it for good — a worker started later does not run it again.
/// </summary>
public class InterruptedWorkerTests(PostgresServer postgres, S3Server s3, ITestOutputHelper output)
    : IClassFixture<PostgresServer>, IClassFixture<S3Server>
{
    private const string InvisibilityTimeout = "00:00:15";
    private const string Interrupted = T2I.Web.Api.GenerationApi.InterruptedStatus;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task AJobOfAKilledWorkerShowsInterruptedAndItsCancelHoldsWhenAnotherWorkerStarts()
    {
        await using var cluster = new LoopbackCluster(postgres.CreateDatabase(), s3, $"interrupted-{Guid.NewGuid():N}",
            $"T2I:Hangfire:InvisibilityTimeout={InvisibilityTimeout}", "T2I:Hangfire:HeartbeatInterval=00:00:01");
        var started = await cluster.StartAsync("web", "worker");
        var (web, worker) = (started[0], started[1]);
        try
        {
            using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = web.Url };
            // The longest request there is (600 sampler steps): the tiny model drew 60 × 3 in 2 s, a window a loaded
            // machine's polling once missed, so the job ended before it was seen running and could be killed.
            string id = await http.SubmitAsync(new
            {
                prompt = "a red circle", steps = GenerationLimits.MaxSteps, count = GenerationLimits.MaxCount, seed = 1,
            });
            var (jobId, _) = await MultiWorkerTests.WaitProcessingAsync(cluster, id);
            Assert.Equal("running", (await http.StatusAsync(id)).GetProperty("status").GetString());

            LoopbackCluster.Kill9(worker);
            var killedAt = DateTime.UtcNow;
            var interrupted = await http.WaitForAsync(id, Timeout, Interrupted, "succeeded", "failed", "canceled");
            output.WriteLine($"shown interrupted {(DateTime.UtcNow - killedAt).TotalSeconds:F1} s after kill -9: {interrupted}");
            Assert.Equal(Interrupted, interrupted.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, interrupted.GetProperty("progress").ValueKind);

            var cancel = await http.DeleteAsync($"/api/generations/{id}");
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
            Assert.Contains("\"canceled\"", await cancel.Content.ReadAsStringAsync());
            Assert.Equal("canceled", (await http.StatusAsync(id)).GetProperty("status").GetString());

            await cluster.StartAsync("worker");
            // Past the invisibility timeout the new worker would take the dead worker's job over, were it not deleted.
            await Task.Delay(TimeSpan.Parse(InvisibilityTimeout) + TimeSpan.FromSeconds(5));
            var record = await cluster.RecordAsync(id);
            Assert.Equal(GenerationStatus.Canceled, record.Status);
            Assert.Equal(1, record.Attempts);
            Assert.Equal(DeletedState.StateName, cluster.Storage.GetMonitoringApi().JobDetails(jobId).History[0].StateName);
        }
        catch (Exception) { output.WriteLine(cluster.Logs()); throw; }
    }
}
