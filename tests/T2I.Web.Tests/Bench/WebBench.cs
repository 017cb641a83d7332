using System.Diagnostics;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Bench;

/// <summary>
/// <c>dotnet run --project tests/T2I.Web.Tests -c Release -- bench [--postgres|--memory] [--runs N]</c> (and <c>bench login-flood</c>:
/// <see cref="LoginFloodBench"/>): starts the real
/// app on loopback (the embedded SQLite queue, in-memory Hangfire with --memory, or a real PostgreSQL from infra/ with
/// --postgres) and prints
/// (1) submit → job-start latency on an idle queue, (2) status-call latency while a generation runs.
/// The generator is the test double (no model work), so the figures are the queue's and the web app's own.
/// </summary>
public static class WebBench
{
    public static int Main(string[] args)
    {
        if (args is not ["bench", ..])
        {
            const string run = "dotnet run --project tests/T2I.Web.Tests -c Release --";
            Console.Error.WriteLine($"usage: {run} bench [--postgres|--memory] [--runs N]\n       {run} bench login-flood [--seconds N]");
            return 2;
        }
        if (args is [_, "login-flood", ..])
        {
            int seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(int.Parse).FirstOrDefault(10);
            LoginFloodBench.RunAsync(TimeSpan.FromSeconds(seconds)).GetAwaiter().GetResult();
            return 0;
        }
        // --postgres, --memory, or the default embedded SQLite queue.
        string storage = args.Contains("--postgres") ? "postgres" : args.Contains("--memory") ? "memory" : "sqlite";
        int runs = args.SkipWhile(a => a != "--runs").Skip(1).Select(int.Parse).FirstOrDefault(30);
        RunAsync(storage, runs).GetAwaiter().GetResult();
        return 0;
    }

    private static async Task RunAsync(string storage, int runs)
    {
        using var pg = storage == "postgres" ? new PostgresServer() : null;
        string[] settings = ["T2I:RateLimit:Burst=100000", "T2I:Queue:Storage=" + storage,
            .. pg is null ? Array.Empty<string>() : ["ConnectionStrings:Hangfire=" + pg.ConnectionString]];
        var generator = new TestDoubleGenerator { StepDelay = TimeSpan.Zero };
        await using var app = await TestApp.StartAsync(generator, null, settings);
        using var http = app.NewClient();
        string label = pg is null ? storage : "PostgreSQL (infra/start-postgres.sh)";
        Console.WriteLine(
            $"T2I.Web bench — Hangfire storage: {label}, {Environment.ProcessorCount} cores, {T2I.Core.TorchRuntime.BuildNote}");

        // Warm-up: first requests JIT the endpoints and the job path.
        for (int i = 0; i < 3; i++) await http.WaitForAsync(await http.SubmitAsync(new { prompt = "warm", steps = 1 }), TimeSpan.FromSeconds(30), "succeeded");
        while (generator.Started.CurrentCount > 0) await generator.Started.WaitAsync();

        var startLatency = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            string id = await http.SubmitAsync(new { prompt = $"bench {i}", steps = 1 });
            await generator.Started.WaitAsync();
            startLatency.Add(sw.Elapsed.TotalMilliseconds);
            await http.WaitForAsync(id, TimeSpan.FromSeconds(30), "succeeded");
        }
        Print("submit → job start (idle queue)", startLatency);

        generator.StepDelay = TimeSpan.FromMilliseconds(25);
        string running = await http.SubmitAsync(new { prompt = "long", steps = 150 });
        await http.WaitForAsync(running, TimeSpan.FromSeconds(30), "running");
        foreach (int callers in new[] { 1, 8 })
        {
            var lat = new System.Collections.Concurrent.ConcurrentBag<double>();
            var until = DateTime.UtcNow.AddSeconds(1.5);
            var wall = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ => // one browser (cookie), many tabs
            {
                while (DateTime.UtcNow < until)
                {
                    var sw = Stopwatch.StartNew();
                    (await http.GetAsync($"/api/generations/{running}")).EnsureSuccessStatusCode();
                    lat.Add(sw.Elapsed.TotalMilliseconds);
                }
            }));
            Print($"status call during a generation, {callers} concurrent caller(s), {lat.Count / wall.Elapsed.TotalSeconds:F0} req/s", lat.ToList());
        }
        await http.DeleteAsync($"/api/generations/{running}");
    }

    /// <summary>Prints n, p50, p95 and max of <paramref name="ms"/>; returns the p95.</summary>
    internal static double Print(string what, List<double> ms)
    {
        ms.Sort();
        double P(double q) => ms[Math.Min(ms.Count - 1, (int)(q * ms.Count))];
        Console.WriteLine($"{what}: n={ms.Count} p50={P(0.5):F1} ms p95={P(0.95):F1} ms max={ms[^1]:F1} ms");
        return P(0.95);
    }
}
