using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using T2I.Web.Clients;
using T2I.Web.Generation;
using T2I.Web.Hosting;
using T2I.Web.Ingestion;
using T2I.Web.Settings;
using T2I.Web.Tests.ScaleOut;

namespace T2I.Web.Tests.Settings;

public class SettingsCheckTests
{
    [Theory]
    [InlineData("T2I:Ingestion:Cron=every hour", "T2I:Ingestion:Cron must be a cron expression")]
    [InlineData("T2I:Ingestion:Resolutions=abc", "T2I:Ingestion:Resolutions must be positive whole numbers")]
    [InlineData("T2I:Ingestion:Resolutions=256,-1", "T2I:Ingestion:Resolutions must be positive whole numbers")]
    [InlineData("T2I:Workers=two", "T2I:Workers must be a whole number")]
    [InlineData("T2I:RateLimit:Burst=0", "T2I:RateLimit:Burst must be a whole number of at least 1")]
    [InlineData("T2I:Hangfire:HeartbeatInterval=soon", "T2I:Hangfire:HeartbeatInterval must be a duration")]
    [InlineData("T2I:Hangfire:HeartbeatInterval=00:00:00.5", "T2I:Hangfire:HeartbeatInterval must be at least 1 second (got 00:00:00.5")]
    [InlineData("T2I:Hangfire:InvisibilityTimeout=00:00:02", "T2I:Hangfire:InvisibilityTimeout must be at least 5 seconds")]
    [InlineData("T2I:Queue:MaxWaiting=1000000", "T2I:Queue:MaxWaiting can be at most")]
    [InlineData("T2I:Queue:MaxWaiting=lots", "T2I:Queue:MaxWaiting must be a whole number of at least 1 (got 'lots')")]
    [InlineData("T2I:Workers=0", "T2I:Workers must be a whole number of at least 1 (got '0')")]
    [InlineData("T2I:Threads=0", "T2I:Threads must be a whole number of at least 1")]
    [InlineData("T2I:Threads=many", "T2I:Threads must be a whole number of at least 1 (got 'many')")]
    [InlineData("T2I:Role=gpu", "T2I:Role must be 'all', 'web' or 'worker' (got 'gpu')")]
    [InlineData("T2I:Queue:Storage=redis", "T2I:Queue:Storage must be 'sqlite', 'memory' or 'postgres' (got 'redis')")]
    [InlineData("T2I:Queue:Storage=postgres", "T2I:Queue:Storage=postgres needs ConnectionStrings:Hangfire.")]
    [InlineData("T2I:Images=s3://bucket/images", "T2I:Queue:Storage=sqlite needs a local file when T2I:Images is not a folder")]
    public void ABadSettingStopsTheStartWithOneLineNamingIt(string setting, string message)
    {
        var ex = Assert.Throws<InvalidSettingsException>(() => Program.BuildApp(["--" + setting]));
        Assert.StartsWith(message, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void SeveralBadSettingsAreAllNamedOneLineEach()
    {
        var ex = Assert.Throws<InvalidSettingsException>(() => Program.BuildApp(["--T2I:Workers=0", "--T2I:Ingestion:Cron=never"]));
        var lines = ex.Message.Split(Environment.NewLine);
        Assert.Equal(2, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("T2I:Workers must be a whole number of at least 1 (got '0')."));
        Assert.Contains(lines, l => l.StartsWith("T2I:Ingestion:Cron must be a cron expression"));
    }

    [Theory]
    [InlineData("T2I:Ingestion:Cron=0 3 * * *")]
    [InlineData("T2I:Ingestion:Cron=*/15 * * * * *")]
    [InlineData("T2I:Ingestion:Cron=@daily")]
    [InlineData("T2I:Ingestion:Resolutions=256, 512")]
    public async Task GoodSettingsPass(string setting)
    {
        await using var app = Program.BuildApp(["--" + setting]);
        Assert.NotNull(app.Services.GetRequiredService<IOptions<IngestionOptions>>().Value);
    }

    [Fact]
    public async Task TheServicesSeeTheTypedSettings()
    {
        await using var app = Program.BuildApp(["--T2I:Workers=3", "--T2I:Queue:MaxWaiting=7", "--T2I:RateLimit:Burst=4",
            "--T2I:Hangfire:HeartbeatInterval=00:00:09", "--T2I:Ingestion:Resolutions=128,256", "--T2I:Threads=2"]);
        T Value<T>() where T : class => app.Services.GetRequiredService<IOptions<T>>().Value;

        Assert.Equal(3, Value<WorkerOptions>().Workers);
        Assert.Equal(7, Value<QueueLimitOptions>().MaxWaiting);
        Assert.Equal((4, 30), (Value<RateLimitOptions>().Burst, Value<RateLimitOptions>().SubmitsPerMinute));
        Assert.Equal(TimeSpan.FromSeconds(9), app.Services.GetRequiredService<HangfireHeartbeat>().Interval);
        Assert.Equal(HangfireSetup.DefaultInvisibilityTimeout, Value<HangfireTimeoutOptions>().InvisibilityTimeout);
        Assert.Equal([128, 256], Value<IngestionOptions>().ResolutionList());
        Assert.Equal((2, "auto"), (Value<ModelOptions>().Threads, Value<ModelOptions>().Device));
    }

    [Fact]
    public async Task TheBuiltAppExitsWithTheMessageAndNoStackTrace()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(LoopbackCluster.AppDll);
        psi.Environment["T2I__Ingestion__Cron"] = "every hour";
        using var app = Process.Start(psi)!;
        var stderr = app.StandardError.ReadToEndAsync();
        var stdout = app.StandardOutput.ReadToEndAsync();
        Assert.True(app.WaitForExit(60_000), "the app kept running with a bad setting");

        Assert.Equal(2, app.ExitCode);
        string error = await stderr, output = await stdout;
        Assert.Equal("T2I:Ingestion:Cron must be a cron expression such as '0 * * * *' (got 'every hour').", error.Trim());
        Assert.DoesNotContain("   at ", output + error);
    }
}
