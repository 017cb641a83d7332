using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace T2I.Web.Tests;

public class WebHostSmokeTests
{
    [Fact]
    public async Task TheAppServesThePromptPageOnLoopback()
    {
        // Its own data folder: the default one (the user's) may be in use by a running app, which owns its queue file.
        string dir = Directory.CreateTempSubdirectory("t2i-web-smoke-").FullName;
        await using var app = Program.BuildApp(["--urls", "http://127.0.0.1:0", "--environment", "Development", $"--T2I:Images={dir}"]);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Assert.StartsWith("http://127.0.0.1:", address);

        using var http = new HttpClient { BaseAddress = new Uri(address) };
        string html = await http.GetStringAsync("/");
        Assert.Contains("<textarea id=\"prompt\"", html);
        await app.StopAsync();
        Directory.Delete(dir, true);
    }
}
