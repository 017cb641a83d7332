using System.Diagnostics;
using Hangfire;
using Hangfire.States;
using T2I.Core.Ingest;
using T2I.Core.Storage;
using T2I.Core.Synthesis;
using T2I.Web.Ingestion;
using T2I.Web.Tests.Support;
using Xunit.Abstractions;

namespace T2I.Web.Tests.ScaleOut;

/// <summary>
/// Issue 17's proof on loopback: three worker processes (the built app) on a real PostgreSQL and a real s3rver ingest
/// 40 tiny shards with planted duplicates within and across shards, as one Hangfire job per unit; one worker is killed
/// with <c>kill -9</c> while it writes a shard. The output on S3 is byte-identical to one process's ingest of the same
/// input: nothing lost, nothing twice.
/// </summary>
public class IngestionWorkersTests(PostgresServer postgres, S3Server s3, ITestOutputHelper output)
    : IClassFixture<PostgresServer>, IClassFixture<S3Server>
{
    private const int Shards = 40;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(240);

    [Fact]
    public async Task ThreeWorkersOneKilledMidShardEndByteIdenticalToOneProcess()
    {
        await using var cluster = new LoopbackCluster(postgres.CreateDatabase(), s3, $"ingest-{Guid.NewGuid():N}",
            $"T2I:Hangfire:InvisibilityTimeout={MultiWorkerTests.InvisibilityTimeout}",
            $"T2I:Hangfire:DistributedLockTimeout={MultiWorkerTests.DistributedLockTimeout}");
        var clock = Stopwatch.StartNew();
        var starting = cluster.StartAsync("worker", "worker", "worker");
        var raw = cluster.Store("raw");
        await SyntheticShards.WriteAsync(raw, count: 3 * (Shards - 1), shards: Shards - 1, seed: 11, defectShare: 0.3);
        foreach (var ext in new[] { ".tar", ".parquet" }) // shard 00000 again as the last one: every image a cross-shard copy
            await using (var s = await raw.OpenReadAsync("00000" + ext)) await raw.WriteAsync($"{Shards - 1:D5}{ext}", s);
        var workers = await starting;
        output.WriteLine($"3 workers ready and {Shards} shards on S3 in {clock.Elapsed.TotalSeconds:F1} s");
        try
        {
            new BackgroundJobClient(cluster.Storage).Create<ShardIngestionJob>(j => j.RunAsync(CancellationToken.None),
                new EnqueuedState(ShardIngestionJob.Queue));
            var (victimJob, server) = await WaitForAWriteUnitAsync(cluster);
            var victim = workers.Single(p => p.Pid == LoopbackCluster.PidOfServer(server));
            LoopbackCluster.Kill9(victim);
            output.WriteLine($"kill -9 worker {victim.Pid} at {clock.Elapsed.TotalSeconds:F1} s while it ran unit job {victimJob}");

            var store = cluster.Store("buckets");
            var deadline = DateTime.UtcNow + Timeout;
            while ((await IngestManifest.LoadAsync(store, CancellationToken.None))?.Shards.Count != Shards)
            {
                Assert.True(DateTime.UtcNow < deadline, "the workers did not commit every shard");
                await Task.Delay(500);
            }
            var processed = cluster.Storage.GetMonitoringApi().JobDetails(victimJob).History.Count(h => h.StateName == ProcessingState.StateName);
            output.WriteLine($"{Shards} shards committed at {clock.Elapsed.TotalSeconds:F1} s; the killed unit ran {processed} times");
            Assert.True(processed >= 2, "the killed worker's unit was taken over by another worker");

            string dir = Directory.CreateTempSubdirectory("t2i-ingest-one-").FullName;
            var reference = new LocalBlobStore(dir);
            var one = await new IngestRunner(cluster.Store("raw"), reference, [256], FilterConfig.Load(null)).RunAsync();
            Assert.True(one.Manifest.TotalDrops(DropReasons.Duplicate) >= 3, "the input has duplicates to find");
            Assert.Equal(0, one.Manifest.Shards.Single(s => s.Key.EndsWith($"_{Shards - 1:D5}")).Value.Kept);
            await AssertSameTreeAsync(reference, store);
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception) { output.WriteLine(cluster.Logs()); throw; }
    }

    /// <summary>A write unit running on some worker: the kill lands mid-shard, after its screen and dedup.</summary>
    private static async Task<(string JobId, string ServerId)> WaitForAWriteUnitAsync(LoopbackCluster cluster)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var (jobId, job) in cluster.Storage.GetMonitoringApi().ProcessingJobs(0, 100))
                if (job.Job?.Type == typeof(IngestionUnitJob) && job.Job.Args[0] is IngestPhase.Write && job.ServerId is { } server)
                    return (jobId, server);
            await Task.Delay(10);
        }
        throw new Xunit.Sdk.XunitException("no write unit started");
    }

    private static async Task AssertSameTreeAsync(IBlobStore expected, IBlobStore actual)
    {
        var want = new List<string>();
        await foreach (var b in expected.ListAsync()) want.Add(b.Key);
        var got = new List<string>();
        await foreach (var b in actual.ListAsync()) got.Add(b.Key);
        Assert.Equal(want, got);
        foreach (var key in want)
        {
            byte[] a = await ReadAsync(expected, key), b = await ReadAsync(actual, key);
            Assert.True(a.AsSpan().SequenceEqual(b), $"{key} differs");
        }
    }

    private static async Task<byte[]> ReadAsync(IBlobStore store, string key)
    {
        await using var s = await store.OpenReadAsync(key);
        using var copy = new MemoryStream();
        await s.CopyToAsync(copy);
        return copy.ToArray();
    }
}
