using System.Text.Json;
using Hangfire;
using Hangfire.States;
using Hangfire.Storage;
using T2I.Web.Generation;
using T2I.Web.Hosting;
using T2I.Web.Settings;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Durability;

/// <summary>
/// The embedded SQLite queue against the problems its users report: a job run twice by several workers
/// (HangfireIO/Hangfire #1674: Hangfire.Storage.SQLite does not slide the invisibility timeout), locks lost
/// although their holder lives (raisedapp/Hangfire.Storage.SQLite #32, #69), two processes on one file.
/// Restarts (graceful here, <c>kill -9</c> in <see cref="EmbeddedKillTests"/>) and 50 concurrent jobs: the
/// scenarios shared with PostgreSQL.
/// </summary>
public class SqliteQueueTests
{
    private const string Sqlite = "T2I:Queue:Storage=sqlite";

    [Fact]
    public Task JobsQueuedOrRunningWhenTheAppStopsCompleteAfterARestartExactlyOnce() =>
        RestartScenarios.StopWithRunningAndQueuedJobsAsync(Sqlite);

    [Fact]
    public async Task AJobRunningPastTheInvisibilityTimeoutIsNotFetchedAgainByAnIdleWorker()
    {
        var generator = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(60) };
        // Two workers, one busy and one idle, and the shortest invisibility timeout the settings allow.
        await using var app = await TestApp.StartAsync(generator, null, Sqlite, "T2I:Workers=2",
            "T2I:Hangfire:InvisibilityTimeout=00:00:05");
        using var http = app.NewClient();
        string id = await http.SubmitAsync(new { prompt = "long", steps = 120, seed = 1 }); // ~7 s: past the 5 s timeout
        var done = await http.WaitForAsync(id, TimeSpan.FromSeconds(60), "succeeded", "failed", "canceled");

        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(1, generator.Completed["long|1"]);
        Assert.True(generator.Cancelled.IsEmpty, $"a second run was started and stopped: {string.Join(", ", generator.Cancelled)}");
        var record = await app.Service<GenerationStore>().GetAsync(id);
        Assert.Equal(1, record!.Attempts);
    }

    [Fact]
    public async Task ALockHeldPastItsLifetimeStaysHeldWhileItsHolderLives()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null, Sqlite,
            "T2I:Hangfire:DistributedLockTimeout=00:00:05");
        var storage = app.Service<JobStorage>();
        using var holderConnection = storage.GetConnection();
        using var held = holderConnection.AcquireDistributedLock("t2i-test-resource", TimeSpan.FromSeconds(1));

        // Past the 5 s lifetime, a second taker must still be refused: the holder's heartbeats keep the lock.
        var until = DateTime.UtcNow.AddSeconds(7);
        int refused = 0;
        while (DateTime.UtcNow < until)
        {
            using var other = storage.GetConnection();
            Assert.Throws<DistributedLockTimeoutException>(() =>
                other.AcquireDistributedLock("t2i-test-resource", TimeSpan.FromSeconds(1)));
            refused++;
        }
        Assert.True(refused >= 2, $"only {refused} attempts in 7 s"); // each takes 1–3 s on 2 loaded cores
    }

    [Fact]
    public async Task AGenerationRunningAtEachOfThreeCrashesIsFailedAtTheNextStartNotRunAgain()
    {
        string dir = Directory.CreateTempSubdirectory("t2i-web-sqlite-").FullName;
        try
        {
            string id, recordFile;
            GenerationRecord crashed;
            var first = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) };
            await using (var app = await TestApp.StartAsync(first, dir, Sqlite))
            {
                using var http = app.NewClient();
                id = await http.SubmitAsync(new { prompt = "takes the server down", steps = 150 });
                await http.WaitForAsync(id, TimeSpan.FromSeconds(30), "running");
                recordFile = Path.Combine(dir, GenerationStore.RecordKey(id));
                // What the third crash in a row leaves on disk: the record running, on its third start.
                crashed = JsonSerializer.Deserialize<GenerationRecord>(File.ReadAllText(recordFile), JsonSerializerOptions.Web)!
                    with
                { Attempts = InterruptedGenerations.MaxInterruptions };
            }
            File.WriteAllText(recordFile, JsonSerializer.Serialize(crashed, JsonSerializerOptions.Web));

            var generator = new TestDoubleGenerator();
            await using (var app = await TestApp.StartAsync(generator, dir, Sqlite))
            {
                var record = await app.Service<GenerationStore>().GetAsync(id);
                Assert.Equal(GenerationStatus.Failed, record!.Status);
                Assert.Equal(string.Format(InterruptedGenerations.RepeatedReason, 3), record.Error);
                using var connection = app.Service<JobStorage>().GetConnection();
                Assert.Equal(DeletedState.StateName, connection.GetJobData(crashed.JobId!)?.State);
            }
            Assert.Empty(generator.Completed);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task ASecondProcessOnTheSameQueueFileIsRefusedWithTheSettingToChange()
    {
        await using var first = await TestApp.StartAsync(new TestDoubleGenerator(), null, Sqlite);
        var refused = await Assert.ThrowsAsync<InvalidSettingsException>(() =>
            TestApp.StartAsync(new TestDoubleGenerator(), first.DataDir, Sqlite));
        Assert.Contains("T2I:Queue:File", refused.Message);
        Assert.Contains(QueueStorageOptions.DefaultFileName, refused.Message);

        // The first is unharmed: it still runs jobs.
        using var http = first.NewClient();
        string id = await http.SubmitAsync(new { prompt = "still mine", steps = 2 });
        var done = await http.WaitForAsync(id, TimeSpan.FromSeconds(30), "succeeded", "failed");
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
    }

    [Fact]
    public async Task TheQueueIsOneFileBesideTheImagesAndItsJobsOutliveTheApp()
    {
        string dir = Directory.CreateTempSubdirectory("t2i-web-sqlite-").FullName;
        try
        {
            string jobId;
            await using (var app = await TestApp.StartAsync(new TestDoubleGenerator(), dir))
            {
                Assert.Equal(QueueStorageKind.Sqlite, QueueStorageOptions.KindOf(app.App.Configuration)); // the default
                using var http = app.NewClient();
                string id = await http.SubmitAsync(new { prompt = "kept", steps = 2 });
                await http.WaitForAsync(id, TimeSpan.FromSeconds(30), "succeeded");
                jobId = (await app.Service<GenerationStore>().GetAsync(id))!.JobId!;
            }
            Assert.True(File.Exists(Path.Combine(dir, QueueStorageOptions.DefaultFileName)));
            await using (var app = await TestApp.StartAsync(new TestDoubleGenerator(), dir))
            {
                using var connection = app.Service<JobStorage>().GetConnection();
                Assert.Equal(SucceededState.StateName, connection.GetJobData(jobId)?.State);
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}
