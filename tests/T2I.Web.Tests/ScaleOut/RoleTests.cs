using System.Net;
using System.Text.Json;
using Hangfire;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.ScaleOut;

/// <summary><c>T2I:Role</c>: a web process that only enqueues and a worker process that only runs jobs, on one real PostgreSQL.</summary>
public class RoleTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("web")]
    [InlineData("worker")]
    public void RolesOtherThanAllRefuseToStartWithoutSharedJobStorage(string role)
    {
        var ex = Assert.Throws<T2I.Web.Settings.InvalidSettingsException>(
            () => Program.BuildApp(["--urls", "http://127.0.0.1:0", $"--T2I:Role={role}"]));
        Assert.Contains("ConnectionStrings:Hangfire", ex.Message);
    }

    [Fact]
    public void AnUnknownRoleIsRefusedWithTheChoices()
    {
        var ex = Assert.Throws<T2I.Web.Settings.InvalidSettingsException>(
            () => Program.BuildApp(["--urls", "http://127.0.0.1:0", "--T2I:Role=gpu"]));
        Assert.Contains("'all', 'web' or 'worker'", ex.Message);
    }

    [Fact]
    public async Task AWorkerAnswersOnlyItsHealthEndpoints()
    {
        await using var worker = await TestApp.StartAsync(new TestDoubleGenerator(), null, Role("worker", postgres.CreateDatabase()));
        using var http = worker.NewClient();

        foreach (var path in new[] { "/", "/api/generations", "/admin", "/admin/login", "/hangfire" })
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(path)).StatusCode);
        var live = JsonDocument.Parse(await http.GetStringAsync("/healthz")).RootElement;
        Assert.Equal("healthy", live.GetProperty("status").GetString());
        Assert.Equal("worker", live.GetProperty("role").GetString());
        var ready = await HealthTests.WaitReadyAsync(http, Timeout);
        Assert.Equal("test-double-gradient", ready.GetProperty("checks").GetProperty("model").GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AWorkerWithoutItsModelIsLiveButNotReady()
    {
        await using var worker = await TestApp.StartAsync(null, null, [.. Role("worker", postgres.CreateDatabase()), "T2I:Model=/nonexistent/t2i-model"]);
        using var http = worker.NewClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        HttpResponseMessage ready;
        var deadline = DateTime.UtcNow + Timeout;
        do ready = await http.GetAsync("/readyz");
        while (ready.StatusCode == HttpStatusCode.ServiceUnavailable && (await ready.Content.ReadAsStringAsync()).Contains("still loading") && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("does not exist", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheWebProcessQueuesAndOnlyTheWorkerProcessGeneratesAndCancels()
    {
        string db = postgres.CreateDatabase();
        string images = Directory.CreateTempSubdirectory("t2i-roles-").FullName;
        try
        {
            var webModel = new TestDoubleGenerator();
            await using var web = await TestApp.StartAsync(webModel, images, Role("web", db));
            using var http = web.NewClient();
            string id = await http.SubmitAsync(new { prompt = "two processes", steps = 5, seed = 7 });

            await Task.Delay(1500); // no server in the web process: nothing may start
            var waiting = await http.StatusAsync(id);
            Assert.Equal("queued", waiting.GetProperty("status").GetString());
            Assert.Equal(1, waiting.GetProperty("queuePosition").GetInt32());
            Assert.Empty(web.Service<JobStorage>().GetMonitoringApi().Servers());

            var workerModel = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) };
            await using var worker = await TestApp.StartAsync(workerModel, images, Role("worker", db));
            var done = await http.WaitForAsync(id, Timeout, "succeeded", "failed");
            Assert.Equal("succeeded", done.GetProperty("status").GetString());
            var png = await http.GetByteArrayAsync($"/api/generations/{id}/image");
            Assert.StartsWith("two processes\n", T2I.Core.Inference.PngText.Read(png)["parameters"]);
            Assert.Equal(1, workerModel.Completed["two processes|7"]);
            Assert.Empty(webModel.Completed);
            Assert.Null(web.Service<GeneratorProvider>().Generator);
            Assert.Equal(2, web.Service<JobStorage>().GetMonitoringApi().Servers().Count); // the worker's generation + maintenance servers

            // A cancel on the web process reaches a sampler running in the worker process.
            string running = await http.SubmitAsync(new { prompt = "stop me", steps = 150, seed = 8 });
            await http.WaitForAsync(running, Timeout, "running");
            Assert.Equal(HttpStatusCode.Accepted, (await http.DeleteAsync($"/api/generations/{running}")).StatusCode);
            Assert.Equal("canceled", (await http.WaitForAsync(running, Timeout, "canceled", "succeeded", "failed")).GetProperty("status").GetString());
            Assert.Contains(workerModel.Cancelled, c => c.Key == "stop me|8" && c.Step < 150);
            Assert.False(workerModel.Completed.ContainsKey("stop me|8"));
        }
        finally { Directory.Delete(images, true); }
    }

    private static string[] Role(string role, string connection) => [$"T2I:Role={role}", $"ConnectionStrings:Hangfire={connection}"];
}
