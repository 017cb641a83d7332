using System.Diagnostics;
using System.Net;
using Hangfire;
using Hangfire.States;
using T2I.Core.Data;
using T2I.Core.Ingest;
using T2I.Core.Synthesis;
using T2I.Web.Generation;
using T2I.Web.Ingestion;
using T2I.Web.Tests.Support;
using Xunit.Abstractions;

namespace T2I.Web.Tests.ScaleOut;

/// <summary>
/// Issue 8's proof on loopback: one web and two worker processes (the built app) on a real PostgreSQL and a real
/// s3rver; 100 generations submitted through the API plus a batch of ingestion jobs; one worker is killed with
/// <c>kill -9</c> in the middle of a generation. Every generation completes exactly once, the killed job is
/// finished by the other worker, and no shard is ingested twice. Uses the shipped demo model with few steps.
/// </summary>
public class MultiWorkerTests(PostgresServer postgres, S3Server s3, ITestOutputHelper output) : IClassFixture<PostgresServer>, IClassFixture<S3Server>
{
    public static readonly int Generations = int.TryParse(Environment.GetEnvironmentVariable("T2I_SCALEOUT_JOBS"), out int n) ? n : 100;
    public const int Shards = 4, IngestionJobs = 4;
    // The longest request: a 60 × 3 victim once ended before the web saw two of its steps on a loaded machine.
    public const int VictimSteps = T2I.Core.Inference.GenerationLimits.MaxSteps, VictimImages = T2I.Core.Inference.GenerationLimits.MaxCount;
    /// <summary>Short for the test (how long a dead worker's job stays invisible); production keeps Hangfire's 30 min.</summary>
    public const string InvisibilityTimeout = "00:00:15";
    /// <summary>Short for the test: a kill inside a state change leaves the job's lock for this long (StaleLockTests).</summary>
    public const string DistributedLockTimeout = "00:00:20";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(240);

    [Fact]
    public async Task HundredGenerationsAndAnIngestionBatchAreDoneExactlyOnceThoughAWorkerIsKilledMidJob()
    {
        await using var cluster = new LoopbackCluster(postgres.CreateDatabase(), s3, $"scaleout-{Guid.NewGuid():N}", $"T2I:Hangfire:InvisibilityTimeout={InvisibilityTimeout}", $"T2I:Hangfire:DistributedLockTimeout={DistributedLockTimeout}");
        var clock = Stopwatch.StartNew();
        var starting = cluster.StartAsync("web", "worker", "worker");
        await SyntheticShards.WriteAsync(cluster.Store("raw"), count: 24, shards: Shards, seed: 8, defectShare: 0.25);
        var started = await starting;
        var web = started[0];
        output.WriteLine($"web + 2 workers ready and {Shards} shards on S3 in {clock.Elapsed.TotalSeconds:F1} s");
        try
        {
            var jobs = new BackgroundJobClient(cluster.Storage);
            var ingestions = Enumerable.Range(0, IngestionJobs)
                .Select(_ => jobs.Create<ShardIngestionJob>(j => j.RunAsync(CancellationToken.None), new EnqueuedState(Hosting.HangfireSetup.MaintenanceQueue))).ToList();

            using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = web.Url };
            var submitted = Stopwatch.StartNew();
            // The victim is long (the most images × steps) so the kill lands mid-job; the others are short.
            string victim = await http.SubmitAsync(new { prompt = "a red circle", steps = VictimSteps, count = VictimImages, seed = 1 });
            var progressSeen = WatchProgressAsync(http, victim);
            // Kill while the others are still being submitted: the moment the victim runs, not after its end.
            var killing = Task.Run(async () =>
            {
                var (job, server) = await WaitProcessingAsync(cluster, victim);
                var worker = started.Single(p => p.Pid == LoopbackCluster.PidOfServer(server));
                LoopbackCluster.Kill9(worker);
                return (job, server, worker, submitted.Elapsed);
            });
            var ids = new List<string>();
            for (int i = 0; i < Generations; i++) ids.Add(await http.SubmitAsync(new { prompt = $"a blue square {i}", steps = 4, seed = 100 + i }));
            var (victimJob, killedServer, killed, killedAt) = await killing;
            Assert.Equal("worker", killed.Role);
            Assert.False(killed.Running);
            output.WriteLine($"kill -9 worker pid {killed.Pid} at {killedAt.TotalSeconds:F1} s while it ran generation {victim} (job {victimJob})");

            foreach (var id in ids.Append(victim))
                Assert.Equal("succeeded", (await http.WaitForAsync(id, Timeout, "succeeded", "failed", "canceled")).GetProperty("status").GetString());
            var allDone = submitted.Elapsed;
            // The victim always runs on a worker: the web process only learns its steps through shared storage.
            var seen = await progressSeen;
            Assert.True(seen.Count >= 2, $"the web showed {seen.Count} distinct progress states of the victim running on a worker");
            Assert.All(seen, p => Assert.InRange(p.Step, 1, VictimSteps));
            await WaitFinalAsync(cluster.Storage, ingestions);

            await AssertGenerationsExactlyOnceAsync(cluster, ids, victim, victimJob, killedServer);
            await AssertShardsIngestedOnceAsync(cluster, ingestions);

            var victimHistory = cluster.Storage.GetMonitoringApi().JobDetails(victimJob).History;
            var pickedUp = victimHistory.Where(h => h.StateName == ProcessingState.StateName).Min(h => h.CreatedAt) is var first
                ? victimHistory.Where(h => h.StateName == ProcessingState.StateName).Max(h => h.CreatedAt) - first : TimeSpan.Zero;
            output.WriteLine($"{Generations + 1} generations done {allDone.TotalSeconds:F1} s after the first submit " +
                             $"({Generations / allDone.TotalMinutes:F0} jobs/min with one worker killed at {killedAt.TotalSeconds:F1} s); " +
                             $"the killed job restarted {pickedUp.TotalSeconds:F1} s after its first start (invisibility timeout {InvisibilityTimeout}); " +
                             $"the web showed {seen.Count} distinct steps of it running on a worker");
        }
        catch (Exception) { output.WriteLine(cluster.Logs()); throw; }
    }

    /// <summary>
    /// Waits until the generation's Hangfire job is processing and its body has begun (the record says running);
    /// returns the job id and the server id.
    /// </summary>
    internal static async Task<(string JobId, string ServerId)> WaitProcessingAsync(LoopbackCluster cluster, string generationId)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var (jobId, job) in cluster.Storage.GetMonitoringApi().ProcessingJobs(0, 100))
                if (job.Job?.Args.FirstOrDefault() as string == generationId && job.ServerId is { } server
                    && (await cluster.RecordAsync(generationId)).Status == GenerationStatus.Running)
                    return (jobId, server);
            await Task.Delay(10);
        }
        var stats = cluster.Storage.GetMonitoringApi().GetStatistics();
        var record = await cluster.RecordAsync(generationId);
        throw new TimeoutException($"generation {generationId} never seen processing: record {record}; Hangfire enqueued {stats.Enqueued}, " +
            $"scheduled {stats.Scheduled}, processing {stats.Processing}, succeeded {stats.Succeeded}, failed {stats.Failed}, servers {stats.Servers}; job history: " +
            string.Join(", ", record.JobId is null ? [] : cluster.Storage.GetMonitoringApi().JobDetails(record.JobId).History.Select(h => $"{h.StateName}@{h.CreatedAt:HH:mm:ss.fff} {h.Reason}")));
    }

    /// <summary>Every distinct (image, step) the web API reports for a generation until it is final.</summary>
    private static async Task<HashSet<(int Image, int Step)>> WatchProgressAsync(HttpClient http, string id)
    {
        var seen = new HashSet<(int, int)>();
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            var status = await http.StatusAsync(id);
            if (status.GetProperty("status").GetString() is "succeeded" or "failed" or "canceled") break;
            if (status.TryGetProperty("progress", out var p) && p.ValueKind == System.Text.Json.JsonValueKind.Object)
                seen.Add((p.GetProperty("image").GetInt32(), p.GetProperty("step").GetInt32()));
            await Task.Delay(50);
        }
        return seen;
    }

    private static async Task WaitFinalAsync(JobStorage storage, IEnumerable<string> jobIds)
    {
        var deadline = DateTime.UtcNow + Timeout;
        using var connection = storage.GetConnection();
        foreach (var id in jobIds)
            while (connection.GetStateData(id)?.Name is not ("Succeeded" or "Failed"))
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"ingestion job {id} is still {connection.GetStateData(id)?.Name}; history: " + string.Join(", ",
                        storage.GetMonitoringApi().JobDetails(id).History.OrderBy(h => h.CreatedAt).Select(h =>
                            $"{h.StateName}@{h.CreatedAt:HH:mm:ss.fff} {h.Reason} {string.Join(" ", h.Data.Select(kv => $"{kv.Key}={kv.Value}"))}")));
                await Task.Delay(100);
            }
    }

    private static async Task AssertGenerationsExactlyOnceAsync(LoopbackCluster cluster, List<string> ids, string victim, string victimJob, string killedServer)
    {
        var monitoring = cluster.Storage.GetMonitoringApi();
        var images = new Dictionary<string, int>();
        await foreach (var blob in cluster.Store("images").ListAsync("images/"))
        {
            string id = blob.Key.Split('/')[1];
            images[id] = images.GetValueOrDefault(id) + 1;
        }
        Assert.Equal(Generations + 1, images.Count);
        Assert.All(ids, id => Assert.Equal(1, images[id]));
        Assert.Equal(VictimImages, images[victim]);

        foreach (var id in ids)
        {
            var record = await cluster.RecordAsync(id);
            Assert.Equal(1, record.Attempts); // the job body ran once
            var history = monitoring.JobDetails(record.JobId!).History;
            Assert.Single(history, h => h.StateName == ProcessingState.StateName);
            Assert.Single(history, h => h.StateName == SucceededState.StateName);
        }

        var v = await cluster.RecordAsync(victim);
        Assert.Equal((VictimImages, 2, victimJob), (v.ImagesDone, v.Attempts, v.JobId));
        var states = monitoring.JobDetails(victimJob).History.OrderBy(h => h.CreatedAt).ToList();
        var processing = states.Where(h => h.StateName == ProcessingState.StateName).Select(h => h.Data["ServerId"]).ToList();
        Assert.Equal(2, processing.Count);
        Assert.Equal(killedServer, processing[0]);
        Assert.NotEqual(LoopbackCluster.PidOfServer(killedServer), LoopbackCluster.PidOfServer(processing[1]));
        Assert.Equal(SucceededState.StateName, states[^1].StateName);
        Assert.Single(states, h => h.StateName == SucceededState.StateName);
    }

    private static async Task AssertShardsIngestedOnceAsync(LoopbackCluster cluster, List<string> ingestions)
    {
        // The plan jobs only enqueue units; the units (screen, dedup, write) may still be running.
        var output = cluster.Store("buckets");
        var deadline = DateTime.UtcNow + Timeout;
        IngestManifest? manifest;
        while ((manifest = await IngestManifest.LoadAsync(output, CancellationToken.None))?.Shards.Count != Shards)
        {
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"{manifest?.Shards.Count ?? 0} of {Shards} shards committed");
            await Task.Delay(500);
        }
        Assert.Equal(Enumerable.Range(0, Shards).Select(i => $"{i:D5}"), manifest.Shards.Keys.Select(k => k[^5..]).Order());

        var hashes = new List<string>();
        foreach (var (shard, record) in manifest.Shards)
        {
            long rows = 0;
            foreach (var file in record.Outputs.Where(f => f.EndsWith(".parquet", StringComparison.Ordinal)))
            {
                await using var s = await output.OpenReadAsync(file);
                using var copy = new MemoryStream();
                await s.CopyToAsync(copy);
                copy.Position = 0;
                var read = await BucketShardFile.ReadAsync(copy);
                rows += read.Count;
                hashes.AddRange(read.Select(r => r.Sha256));
            }
            Assert.True(record.Kept > 0, $"shard {shard} kept nothing");
            Assert.Equal(record.Buckets.Values.Sum(), rows);
        }
        Assert.Equal(manifest.Shards.Values.Sum(r => r.Kept), hashes.Count);
        Assert.Equal(hashes.Count, hashes.Distinct().Count()); // no image twice, across all shards
        Assert.All(ingestions, id => Assert.Equal(SucceededState.StateName, cluster.Storage.GetConnection().GetStateData(id).Name));
    }
}
