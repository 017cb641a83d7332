using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using T2I.Web.Generation;

namespace T2I.Web;

/// <summary>
/// <c>bench-queue [--jobs 200] [--users 10] [--steps 4] [--model PATH|untrained:128] [--workers 1,4]</c>: runs the real app
/// (its HTTP API, Hangfire on SQLite, the fair scheduler, batched sampling) on loopback with a temporary store, and prints
/// for each worker count: submit→start p50/p95 of JOBS jobs queued at once by USERS users (each submits its share in one
/// burst, one user after another: the order in which a FIFO queue serves the last user last), jobs/s, the batch sizes
/// run, and the wait of a one-job user who submits behind a 50-job user, in seconds and in that user's job times.
/// Times are the server's (a record's created → started), not the client's polling.
/// </summary>
public static class QueueBenchCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        int jobs = Int(args, "--jobs", 200), users = Int(args, "--users", 10), steps = Int(args, "--steps", 4);
        string model = Text(args, "--model") ?? "";
        int[] workerCounts = (Text(args, "--workers") ?? "1,4").Split(',')
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        Console.WriteLine($"bench-queue: {jobs} jobs from {users} users, {steps} steps each, " +
            $"model {(model == "" ? "the demo model" : model)}");
        foreach (int workers in workerCounts)
        {
            await using var run = await BenchApp.StartAsync(model, workers);
            var fair = await run.FloodAsync(users, jobs / users, steps);
            var starts = fair.Select(r => (r.StartedAt!.Value - r.CreatedAt).TotalSeconds).Order().ToArray();
            double span = (fair.Max(r => r.FinishedAt!.Value) - fair.Min(r => r.CreatedAt)).TotalSeconds;
            Console.WriteLine($"workers {workers}: submit→start p50 {Percentile(starts, 0.5):0.00} s, " +
                $"p95 {Percentile(starts, 0.95):0.00} s, " +
                $"max {starts[^1]:0.00} s; {fair.Count / span:0.00} jobs/s; batch sizes {run.BatchSizes()}");

            var behind = await run.BehindAsync(50, steps);
            Console.WriteLine($"workers {workers}: one-job user behind a 50-job user waited {behind.Wait:0.00} s " +
                $"= {behind.Wait / behind.JobSeconds:0.0} of the 50-job user's job times ({behind.JobSeconds:0.000} s each); " +
                $"FIFO would be ≈ {50 * behind.JobSeconds:0.0} s");
        }
        return 0;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static int Int(string[] args, string name, int fallback) =>
        Text(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static string? Text(string[] args, string name) =>
        Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    /// <summary>One app on loopback with its own temporary images folder and queue.</summary>
    private sealed class BenchApp : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly string _dir;
        private readonly Uri _address;

        private BenchApp(WebApplication app, string dir, Uri address) => (_app, _dir, _address) = (app, dir, address);

        public static async Task<BenchApp> StartAsync(string model, int workers)
        {
            string dir = Directory.CreateTempSubdirectory("t2i-bench-queue-").FullName;
            var app = Program.BuildApp([
                "--urls", "http://127.0.0.1:0", $"--T2I:Images={dir}", $"--T2I:Model={model}", $"--T2I:Workers={workers}",
                "--T2I:RateLimit:Burst=100000", "--T2I:RateLimit:SubmitsPerMinute=100000", "--T2I:Queue:MaxWaitingPerUser=1000",
                "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.AspNetCore.StaticFiles=Error",
            ]);
            await app.StartAsync();
            var address = new Uri(app.Urls.First());
            var bench = new BenchApp(app, dir, address);
            using var warm = bench.Client();
            await bench.WaitAllAsync([await SubmitAsync(warm, "warm-up", 2)]); // the model loads before anything is timed
            return bench;
        }

        public HttpClient Client() => new(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = _address };

        public async Task<IReadOnlyList<GenerationRecord>> FloodAsync(int users, int perUser, int steps)
        {
            var ids = new List<string>();
            for (int u = 0; u < users; u++)
            {
                using var http = Client();
                for (int j = 0; j < perUser; j++) ids.Add(await SubmitAsync(http, $"user {u} job {j}", steps));
            }
            return await WaitAllAsync(ids);
        }

        public async Task<(double Wait, double JobSeconds)> BehindAsync(int jobs, int steps)
        {
            using var heavy = Client();
            using var light = Client();
            var heavyIds = new List<string>();
            for (int j = 0; j < jobs; j++) heavyIds.Add(await SubmitAsync(heavy, $"heavy {j}", steps));
            string lightId = await SubmitAsync(light, "light", steps);
            var done = await WaitAllAsync([.. heavyIds, lightId]);
            var one = done.Single(r => r.Id == lightId);
            var heavyRuns = done.Where(r => r.Id != lightId).ToList();
            var span = heavyRuns.Max(r => r.FinishedAt!.Value) - heavyRuns.Min(r => r.StartedAt!.Value);
            double perJob = span.TotalSeconds / heavyRuns.Count;
            return ((one.StartedAt!.Value - one.CreatedAt).TotalSeconds, perJob);
        }

        public string BatchSizes() =>
            string.Join(", ", _app.Services.GetRequiredService<GenerationStats>().BatchSizes().Select(kv => $"{kv.Key}×{kv.Value}"));

        private async Task<IReadOnlyList<GenerationRecord>> WaitAllAsync(IReadOnlyList<string> ids)
        {
            var store = _app.Services.GetRequiredService<GenerationStore>();
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var records = new List<GenerationRecord>();
                foreach (var id in ids) records.Add((await store.GetAsync(id))!);
                if (records.All(r => r.IsTerminal))
                {
                    if (records.FirstOrDefault(r => r.Status != GenerationStatus.Succeeded) is { } bad)
                        throw new InvalidOperationException($"bench job {bad.Id} ended {bad.Status}: {bad.Error}");
                    return records;
                }
                if (clock.Elapsed > TimeSpan.FromMinutes(30)) throw new TimeoutException("bench jobs did not finish in 30 min");
                await Task.Delay(200);
            }
        }

        private static async Task<string> SubmitAsync(HttpClient http, string prompt, int steps)
        {
            var response = await http.PostAsJsonAsync("/api/generations", new { prompt, steps });
            string text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Accepted)
                throw new InvalidOperationException($"submit: {(int)response.StatusCode} {text}");
            return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            try { Directory.Delete(_dir, true); } catch (IOException) { } // a file still held: the OS cleans temp
        }
    }
}
