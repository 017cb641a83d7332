using System.Net;
using System.Text.Json;
using T2I.Core.Inference;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;
using Xunit.Abstractions;

namespace T2I.Web.Tests.Durability;

/// <summary>
/// The embedded default (<c>T2I:Role=all</c>, the SQLite queue beside the images) as a real process with the
/// shipped demo model, stopped mid-generation by <c>kill -9</c> or SIGTERM and started again on the same data
/// folder. Every job ends: the interrupted one resumes (keeping the image it had finished) and succeeds, the
/// queued ones run once each, and a client cancelling its own job after the restart touches no one else's.
/// </summary>
public class EmbeddedKillTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public Task JobsRunningAndQueuedWhenTheServerIsKilledAllEndAfterARestart() =>
        StopMidJobAndRestartAsync(p =>
        {
            AppProcesses.Kill9(p);
            return Task.CompletedTask;
        });

    [Fact]
    public Task JobsRunningAndQueuedWhenTheServerIsTerminatedAllEndAfterARestart() =>
        StopMidJobAndRestartAsync(p => AppProcesses.TerminateAsync(p, TimeSpan.FromSeconds(30)));

    private async Task StopMidJobAndRestartAsync(Func<T2IProcess, Task> stop)
    {
        string dir = Directory.CreateTempSubdirectory("t2i-web-kill-").FullName;
        var env = AppProcesses.CommonEnvironment();
        env["T2I__Images"] = dir;
        env["T2I__MaxBatch"] = "2"; // images drawn two at a time, so a stop can fall between the first two and the last two
        await using var apps = new AppProcesses(env);
        CookieContainer jarA = new(), jarB = new();
        try
        {
            string longJob, aQueued, bQueued, bNew;
            var first = (await apps.StartAsync("all"))[0];
            using (HttpClient a = Client(first, jarA), b = Client(first, jarB))
            {
                // The longest request (4 images × 150 steps), stopped once an image is drawn and before the last: a 60 × 2
                // job once ended within the window a loaded machine's polling needs to see it between its images.
                longJob = await a.SubmitAsync(new
                {
                    prompt = "a red circle", steps = GenerationLimits.MaxSteps, count = GenerationLimits.MaxCount, seed = 1,
                });
                aQueued = await a.SubmitAsync(new { prompt = "a blue square", steps = 2, seed = 2 });
                bQueued = await b.SubmitAsync(new { prompt = "a green star", steps = 2, seed = 3 });
                await a.WaitUntilAsync(longJob, Timeout, s => s.GetProperty("status").GetString() == "running"
                    && s.GetProperty("images").GetArrayLength() is >= 1 and < GenerationLimits.MaxCount);
            }
            var stopped = System.Diagnostics.Stopwatch.StartNew();
            await stop(first);

            var second = (await apps.StartAsync("all"))[0];
            var ready = stopped.Elapsed;
            using (HttpClient a = Client(second, jarA), b = Client(second, jarB))
            {
                bNew = await b.SubmitAsync(new { prompt = "a yellow sun", steps = 2, seed = 4 });
                var cancel = await a.DeleteAsync($"/api/generations/{aQueued}");
                Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

                foreach (var (http, id) in new[] { (a, longJob), (b, bQueued), (b, bNew) })
                {
                    var end = await http.WaitForAsync(id, Timeout, "succeeded", "failed", "canceled");
                    Assert.True(end.GetProperty("status").GetString() == "succeeded", $"{id}: {end}");
                }
                Assert.Equal("canceled", (await a.StatusAsync(aQueued)).GetProperty("status").GetString());
                Assert.Equal(GenerationLimits.MaxCount, (await a.StatusAsync(longJob)).GetProperty("images").GetArrayLength());
                output.WriteLine($"stop → restarted and ready: {ready.TotalSeconds:F1} s; " +
                    $"stop → every job ended: {stopped.Elapsed.TotalSeconds:F1} s");
            }
            // Runs per job (one per start of its job): the interrupted one once per process, each other once or never.
            Assert.Equal([2, 1, 1, 0], new[] { longJob, bQueued, bNew, aQueued }.Select(id => Record(dir, id).Attempts));
        }
        catch (Exception)
        {
            output.WriteLine(apps.Logs());
            throw;
        }
        finally { Directory.Delete(dir, true); }
    }

    private static HttpClient Client(T2IProcess process, CookieContainer jar) =>
        new(new HttpClientHandler { CookieContainer = jar }) { BaseAddress = process.Url };

    private static GenerationRecord Record(string dir, string id) =>
        JsonSerializer.Deserialize<GenerationRecord>(File.ReadAllText(Path.Combine(dir, GenerationStore.RecordKey(id))),
            JsonSerializerOptions.Web)!;
}
