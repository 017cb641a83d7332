using System.Collections.Concurrent;
using System.Diagnostics;
using T2I.Web.Tests.Admin;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Bench;

/// <summary>
/// <c>bench login-flood [--seconds N]</c>: API latency of normal requests (status calls of a finished generation, 4
/// callers) on the real app, first alone, then while 8 attackers post wrong admin logins through the real form (GET for
/// its antiforgery token, then POST) as fast as they are answered. Prints both p95s and their ratio, and the flood's
/// own outcomes: the first wrong logins are hashed (PBKDF2, one at a time), and once the account locks the rest are
/// refused without hashing — so the p95 of the window before the lock is printed as well. A control phase (as many
/// clients only fetching the login page) tells the login's own cost from that of any flood of requests on 2 cores.
/// </summary>
public static class LoginFloodBench
{
    private const int Callers = 4, Attackers = 8;

    public static async Task RunAsync(TimeSpan phase)
    {
        string[] settings = ["T2I:RateLimit:Burst=100000", .. AdminAccessTests.AdminSettings];
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator { StepDelay = TimeSpan.Zero }, null, settings);
        using var http = app.NewClient();
        string id = await http.SubmitAsync(new { prompt = "bench", steps = 1 });
        await http.WaitForAsync(id, TimeSpan.FromSeconds(30), "succeeded");
        using (var warm = app.NewClient()) await AdminAccessTests.LoginAsync(warm, "nobody", "warm-up"); // JIT the login path
        Console.WriteLine($"T2I.Web login-flood bench — {Environment.ProcessorCount} cores, {Callers} API callers, " +
            $"{Attackers} attackers, {phase.TotalSeconds:F0} s per phase");

        var alone = await MeasureAsync(http, id, phase);
        // The control: as many clients only fetching the login page, to tell the login's own cost from any request flood's.
        var fetched = await UnderAsync(app, (guesser, _, _) => guesser.GetStringAsync("/admin/login"), () => MeasureAsync(http, id, phase));
        var flood = new Flood();
        var flooded = await UnderAsync(app, (guesser, i, n) => GuessAsync(guesser, i, n, flood), () => MeasureAsync(http, id, phase));

        var beforeLock = flooded.Where(s => s.At < flood.LockedAt).Select(s => s.Ms).ToList();
        double p95Alone = WebBench.Print("API status calls, no flood", alone.Select(s => s.Ms).ToList());
        double p95Fetch = WebBench.Print($"API status calls while {Attackers} clients only fetch the login page",
            fetched.Select(s => s.Ms).ToList());
        Console.WriteLine($"  p95 ratio (page fetches / no flood): {p95Fetch / p95Alone:F2}");
        double p95Flood = WebBench.Print("API status calls during the login flood", flooded.Select(s => s.Ms).ToList());
        Console.WriteLine($"  p95 ratio (login flood / no flood): {p95Flood / p95Alone:F2}");
        if (beforeLock.Count > 0 && beforeLock.Count < flooded.Count)
        {
            double p95Hashing = WebBench.Print("  of which before the account locked (logins hashed)", beforeLock);
            Console.WriteLine($"  p95 ratio before the lock (login flood / no flood): {p95Hashing / p95Alone:F2}");
        }
        var answers = flood.Outcomes.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}");
        Console.WriteLine("login flood answers: " + string.Join(", ", answers));
    }

    private sealed record Sample(DateTime At, double Ms);

    /// <summary>What the attackers were answered, and when the account first said it was locked.</summary>
    private sealed class Flood
    {
        private long _lockedAtTicks = DateTime.MaxValue.Ticks;
        public ConcurrentDictionary<string, int> Outcomes { get; } = new();
        public DateTime LockedAt => new(Interlocked.Read(ref _lockedAtTicks), DateTimeKind.Utc);

        public void Record(string outcome)
        {
            if (outcome == "locked") Interlocked.CompareExchange(ref _lockedAtTicks, DateTime.UtcNow.Ticks, DateTime.MaxValue.Ticks);
            Outcomes.AddOrUpdate(outcome, 1, (_, c) => c + 1);
        }
    }

    private static async Task<List<Sample>> MeasureAsync(HttpClient http, string id, TimeSpan phase)
    {
        var samples = new ConcurrentBag<Sample>();
        var until = DateTime.UtcNow + phase;
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(async _ =>
        {
            while (DateTime.UtcNow < until)
            {
                var sw = Stopwatch.StartNew();
                (await http.GetAsync($"/api/generations/{id}")).EnsureSuccessStatusCode();
                samples.Add(new Sample(DateTime.UtcNow, sw.Elapsed.TotalMilliseconds));
            }
        }));
        return samples.ToList();
    }

    /// <summary>Runs <paramref name="measure"/> while <see cref="Attackers"/> clients repeat <paramref name="attack"/>.</summary>
    private static async Task<T> UnderAsync<T>(TestApp app, Func<HttpClient, int, int, Task> attack, Func<Task<T>> measure)
    {
        using var stop = new CancellationTokenSource();
        var attackers = Enumerable.Range(0, Attackers).Select(i => Task.Run(async () =>
        {
            using var client = app.NewClient();
            for (int n = 0; !stop.IsCancellationRequested; n++) await attack(client, i, n);
        })).ToList();
        var result = await measure();
        await stop.CancelAsync();
        await Task.WhenAll(attackers);
        return result;
    }

    private static async Task GuessAsync(HttpClient guesser, int attacker, int n, Flood flood)
    {
        var answer = await AdminAccessTests.LoginAsync(guesser, AdminAccessTests.User, $"guess {attacker}-{n}");
        string page = await answer.Content.ReadAsStringAsync();
        flood.Record(page.Contains("Too many failed logins") ? "locked" : page.Contains("Too many logins at once") ? "busy"
            : page.Contains("Wrong user name or password") ? "wrong (hashed)" : "other");
    }
}
