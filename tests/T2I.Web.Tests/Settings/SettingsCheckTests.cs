using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using T2I.Web.Hosting;
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
    public void ABadSettingStopsTheStartWithOneLineNamingIt(string setting, string message)
    {
        var ex = Assert.Throws<InvalidSettingsException>(() => Program.BuildApp(["--" + setting]));
        Assert.StartsWith(message, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Theory]
    [InlineData("T2I:Ingestion:Cron=0 3 * * *")]
    [InlineData("T2I:Ingestion:Cron=*/15 * * * * *")]
    [InlineData("T2I:Ingestion:Cron=@daily")]
    [InlineData("T2I:Ingestion:Resolutions=256, 512")]
    public void GoodSettingsPass(string setting)
    {
        var config = new ConfigurationBuilder().AddCommandLine(["--" + setting]).Build();
        SettingsCheck.Validate(config);
    }

    [Fact]
    public void TheBuiltAppExitsWithTheMessageAndNoStackTrace()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add(LoopbackCluster.AppDll);
        psi.Environment["T2I__Ingestion__Cron"] = "every hour";
        using var app = Process.Start(psi)!;
        var stderr = app.StandardError.ReadToEndAsync();
        var stdout = app.StandardOutput.ReadToEndAsync();
        Assert.True(app.WaitForExit(60_000), "the app kept running with a bad setting");

        Assert.Equal(2, app.ExitCode);
        Assert.Equal("T2I:Ingestion:Cron must be a cron expression such as '0 * * * *' (got 'every hour').", stderr.Result.Trim());
        Assert.DoesNotContain("   at ", stdout.Result + stderr.Result);
    }
}
