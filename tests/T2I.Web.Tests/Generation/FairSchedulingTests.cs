using System.Net;
using System.Net.Http.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using T2I.Web.Components.Monitoring;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Generation;

/// <summary>The queue served through the running app: turns between users, per-user and global limits, ETAs.</summary>
public class FairSchedulingTests
{
    [Fact]
    public async Task AOneJobUserBehindATwentyJobUserStartsWithinTheNextTwoJobs()
    {
        var generator = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(10) };
        await using var app = await TestApp.StartAsync(generator, null, "T2I:RateLimit:Burst=100");
        using var a = app.NewClient();
        using var b = app.NewClient();
        var aJobs = new List<string>();
        for (int i = 0; i < 20; i++) aJobs.Add(await a.SubmitAsync(new { prompt = $"a {i}", steps = 10 }));
        await a.WaitForAsync(aJobs[0], TimeSpan.FromSeconds(30), "running", "succeeded");
        var bJob = await b.SubmitAsync(new { prompt = "b alone", steps = 10 });
        var bSubmitted = DateTimeOffset.UtcNow;
        var bDone = await b.WaitForAsync(bJob, TimeSpan.FromSeconds(60), "succeeded");
        var bStarted = bDone.GetProperty("startedAt").GetDateTimeOffset();

        var store = app.Service<GenerationStore>();
        int aStartedBetween = 0;
        foreach (var id in aJobs)
            if ((await store.GetAsync(id))!.StartedAt is { } started && started > bSubmitted && started < bStarted) aStartedBetween++;
        Assert.True(aStartedBetween <= 1, $"{aStartedBetween} of a's jobs started between b's submit and b's start");
        foreach (var id in aJobs) await a.WaitForAsync(id, TimeSpan.FromSeconds(60), "succeeded");
    }

    [Fact]
    public async Task AUserFloodingTheQueueGets429WithRetryAfterWhileOthersStillSubmit()
    {
        var generator = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(50) };
        await using var app = await TestApp.StartAsync(generator, null, "T2I:RateLimit:Burst=100",
            "T2I:Queue:MaxWaitingPerUser=3", "T2I:Queue:MaxWaiting=6");
        using var flood = app.NewClient();
        var answers = new List<HttpResponseMessage>();
        for (int i = 0; i < 12; i++) answers.Add(await flood.PostAsJsonAsync("/api/generations", new { prompt = $"f {i}", steps = 150 }));

        // One running, one in Hangfire's queue, three held: the fourth held one is refused.
        int accepted = answers.Count(r => r.StatusCode == HttpStatusCode.Accepted);
        Assert.InRange(accepted, 4, 6);
        var refused = answers.First(r => r.StatusCode != HttpStatusCode.Accepted);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.Contains("the most one user may queue", await refused.ProblemAsync(HttpStatusCode.TooManyRequests));

        // Others still get in until the global cap, then 503 for everyone.
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 4; i++)
        {
            using var other = app.NewClient();
            statuses.Add((await other.PostAsJsonAsync("/api/generations", new { prompt = $"o {i}", steps = 1 })).StatusCode);
        }
        Assert.Contains(HttpStatusCode.Accepted, statuses);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, statuses[^1]);
    }

    [Fact]
    public async Task AQueuedGenerationShowsItsPositionAndAnEtaOnceStepTimesAreMeasured()
    {
        var generator = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) };
        await using var app = await TestApp.StartAsync(generator, null, "T2I:RateLimit:Burst=100");
        using var http = app.NewClient();
        var measuring = System.Diagnostics.Stopwatch.StartNew();
        await http.WaitForAsync(await http.SubmitAsync(new { prompt = "measure", steps = 10 }), TimeSpan.FromSeconds(30), "succeeded");
        // What a step costs on this machine now, over-estimated (it includes queueing and polling): on a loaded CI host
        // the double's 20 ms sleeps take several times longer, and the ETA rightly follows.
        double stepUpperBound = measuring.Elapsed.TotalSeconds / 10;

        string running = await http.SubmitAsync(new { prompt = "long", steps = 150 });
        await http.WaitForAsync(running, TimeSpan.FromSeconds(30), "running");
        var queued = new List<string>();
        for (int i = 0; i < 3; i++) queued.Add(await http.SubmitAsync(new { prompt = $"q {i}", steps = 100 }));

        var last = await http.StatusAsync(queued[^1]);
        Assert.Equal("queued", last.GetProperty("status").GetString());
        Assert.Equal(3, last.GetProperty("queuePosition").GetInt32());
        // Two 100-step jobs ahead, plus what is left of the running one, at ≥ 20 ms a step: at least ≈ 4 s, and at most what
        // the measured step cost allows for those 350 steps.
        double eta = last.GetProperty("etaSeconds").GetDouble();
        Assert.InRange(eta, 2, Math.Max(12, 350 * stepUpperBound));
        Assert.True((await http.StatusAsync(queued[0])).GetProperty("etaSeconds").GetDouble() < eta);
    }

    [Fact]
    public async Task WorkersHoldingSeveralJobsDrawCompatibleOnesInOneRunAndTheAdminPanelShowsUsersAndBatchSizes()
    {
        var generator = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) };
        await using var app = await TestApp.StartAsync(generator, null, "T2I:RateLimit:Burst=100", "T2I:Workers=3", "T2I:MaxBatch=4");
        using var a = app.NewClient();
        using var b = app.NewClient();
        string busy = await a.SubmitAsync(new { prompt = "busy", steps = 60 });
        await a.WaitForAsync(busy, TimeSpan.FromSeconds(30), "running");
        // While the model is busy: three compatible one-image jobs (two workers hold them) and a waiting one from a.
        string[] joined = [await a.SubmitAsync(new { prompt = "a1", steps = 5 }), await b.SubmitAsync(new { prompt = "b1", steps = 5 })];
        string waiting = await a.SubmitAsync(new { prompt = "a2", steps = 5 });
        string alsoWaiting = await a.SubmitAsync(new { prompt = "a3", steps = 5 });

        using var bunit = new BunitContext();
        bunit.Services.AddSingleton(app.Service<GenerationStats>());
        bunit.Services.AddSingleton(app.Service<QueuePositions>());
        var panel = bunit.Render<UsersPanel>();
        Assert.Equal(2, panel.FindAll("tr[data-user]").Count);
        Assert.Contains(panel.FindAll("tr[data-user] .submitted"), c => c.TextContent == "4");

        foreach (var id in joined.Append(waiting).Append(alsoWaiting).Append(busy))
            await a.WaitForAsync(id, TimeSpan.FromSeconds(60), "succeeded");
        var sizes = app.Service<GenerationStats>().BatchSizes();
        Assert.True(sizes.Keys.Max() >= 2, $"no run drew more than one image: {string.Join(", ", sizes)}");
        Assert.Equal(5, sizes.Sum(kv => kv.Key * kv.Value));
        panel.Render(p => p.Add(x => x.Refreshed, DateTime.UtcNow));
        Assert.Contains("× ", panel.Find(".batches").TextContent);
    }
}
