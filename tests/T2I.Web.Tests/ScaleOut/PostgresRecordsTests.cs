using System.Net;
using System.Net.Http.Json;
using Npgsql;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.ScaleOut;

/// <summary>Generation records in PostgreSQL: two web replicas and a restart on one real database, no <c>records/</c> listed.</summary>
public class PostgresRecordsTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RecordsLiveInTheDatabaseSurviveARestartAndAreSeenFromASecondReplica()
    {
        string db = postgres.CreateDatabase();
        string images = Directory.CreateTempSubdirectory("t2i-pg-records-").FullName;
        string[] settings = [$"ConnectionStrings:Hangfire={db}"];
        var jar = new CookieContainer();
        try
        {
            string done, running;
            await using (var first = await TestApp.StartAsync(new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) },
                images, settings))
            await using (var second = await TestApp.StartAsync(new TestDoubleGenerator(), images, settings))
            {
                using var a = first.NewClient(jar);
                using var b = new HttpClient(new HttpClientHandler { CookieContainer = jar }) { BaseAddress = second.Address };
                done = await a.SubmitAsync(new { prompt = "on replica one", steps = 3, seed = 1 });
                await a.WaitForAsync(done, Timeout, "succeeded");
                running = await b.SubmitAsync(new { prompt = "from replica two", steps = 150, seed = 2 });

                // Each replica sees the other's records at once: by id, and in the client's list (newest first).
                Assert.Equal("succeeded", (await b.StatusAsync(done)).GetProperty("status").GetString());
                await a.WaitForAsync(running, Timeout, "running");
                var list = await a.GetFromJsonAsync<System.Text.Json.JsonElement[]>("/api/generations");
                Assert.Equal([running, done], list!.Select(g => g.GetProperty("id").GetString()));
            }

            await using (var restarted = await TestApp.StartAsync(new TestDoubleGenerator(), images, settings))
            {
                using var a = restarted.NewClient(jar);
                Assert.Equal("succeeded", (await a.StatusAsync(done)).GetProperty("status").GetString());
                var image = await a.GetByteArrayAsync($"/api/generations/{done}/image");
                Assert.StartsWith("on replica one\n", T2I.Core.Inference.PngText.Read(image)["parameters"]);
                // The job stopped with its replica: Hangfire on PostgreSQL hands it to the restarted one.
                Assert.Equal("succeeded", (await a.WaitForAsync(running, Timeout, "succeeded", "failed")).GetProperty("status").GetString());
            }

            Assert.False(Directory.Exists(Path.Combine(images, "records")), "records were written to the image store too");
            await using var connection = new NpgsqlConnection(db);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM t2i_generation_records", connection);
            Assert.Equal(2L, (long)(await count.ExecuteScalarAsync())!);
        }
        finally { Directory.Delete(images, true); }
    }
}
