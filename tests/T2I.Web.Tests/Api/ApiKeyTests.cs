using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using T2I.Web.Clients;
using T2I.Web.Components.Monitoring;
using T2I.Web.Generation;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Api;

/// <summary>Admin-issued API keys on the running app: bearer authentication, their own lists, limits, quota and priority.</summary>
public class ApiKeyTests
{
    private static HttpClient Bearer(TestApp app, string token)
    {
        var http = app.NewScript();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    [Fact]
    public async Task AKeyOwnsItsGenerationsAndAnUnknownMalformedOrRevokedKeyGets401()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null);
        var keys = app.Service<ApiKeyStore>();
        var (key, token) = await keys.CreateAsync("ci script");
        using var script = Bearer(app, token);
        using var browser = app.NewClient();

        string mine = await script.SubmitAsync(new { prompt = "keyed", steps = 1 });
        await browser.SubmitAsync(new { prompt = "browser's", steps = 1 });
        var list = JsonDocument.Parse(await script.GetStringAsync("/api/generations")).RootElement;
        Assert.Equal([mine], list.EnumerateArray().Select(g => g.GetProperty("id").GetString()));
        Assert.Equal(key.User, (await app.Service<GenerationStore>().GetAsync(mine))!.ClientId);
        Assert.DoesNotContain(await keys.ListAsync(), k => k.SecretSha256.Contains(token[^64..]));

        string[] wrong = ["t2i_" + key.Id + "_" + new string('0', 64), "t2i_nonsense", token + "x"];
        foreach (var bad in wrong)
        {
            using var other = Bearer(app, bad);
            var refused = await other.PostAsJsonAsync("/api/generations", new { prompt = "nope", steps = 1 });
            Assert.Equal(ApiKeyAuthentication.InvalidKeyMessage, await refused.ProblemAsync(HttpStatusCode.Unauthorized));
            Assert.Contains("Bearer", refused.Headers.WwwAuthenticate.ToString());
        }
        using var basic = app.NewScript();
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", "YWRtaW46YWRtaW4=");
        Assert.Equal(HttpStatusCode.Unauthorized, (await basic.GetAsync("/api/generations")).StatusCode);

        await keys.RevokeAsync(key.Id);
        var afterRevoke = await script.PostAsJsonAsync("/api/generations", new { prompt = "revoked", steps = 1 });
        await afterRevoke.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync($"/api/generations/{mine}")).StatusCode);
    }

    [Fact]
    public async Task AKeysOwnRateAndImageQuotaAreEnforcedWithoutChargingTheAddress()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null, "T2I:RateLimit:Burst=3");
        var keys = app.Service<ApiKeyStore>();
        var (_, fast) = await keys.CreateAsync("fast", submitsPerMinute: 6);
        var (_, metered) = await keys.CreateAsync("metered", maxImages: 3);
        using var a = Bearer(app, fast);
        using var b = Bearer(app, metered);

        var codes = new List<HttpStatusCode>();
        for (int i = 0; i < 8; i++)
            codes.Add((await a.PostAsJsonAsync("/api/generations", new { prompt = $"f{i}", steps = 1 })).StatusCode);
        Assert.Equal(6, codes.Count(c => c == HttpStatusCode.Accepted)); // the key's 6, not the address's 3
        Assert.Equal(HttpStatusCode.TooManyRequests, codes[^1]);

        await b.SubmitAsync(new { prompt = "two", steps = 1, count = 2 });
        var over = await b.PostAsJsonAsync("/api/generations", new { prompt = "two more", steps = 1, count = 2 });
        Assert.Contains("quota (3 images)", await over.ProblemAsync(HttpStatusCode.TooManyRequests));
        await b.SubmitAsync(new { prompt = "the last one", steps = 1 });

        using var browser = app.NewClient(); // the address's own bucket was not touched by the keys
        for (int i = 0; i < 3; i++) await browser.SubmitAsync(new { prompt = $"b{i}", steps = 1 });
    }

    [Fact]
    public async Task APriorityKeysJobGoesBeforeAFloodingUsersQueue()
    {
        var generator = new TestDoubleGenerator { StepDelay = TimeSpan.FromMilliseconds(20) };
        await using var app = await TestApp.StartAsync(generator, null, "T2I:RateLimit:Burst=100");
        var (_, token) = await app.Service<ApiKeyStore>().CreateAsync("on call", priority: true);
        using var flood = app.NewClient();
        var ids = new List<string>();
        for (int i = 0; i < 8; i++) ids.Add(await flood.SubmitAsync(new { prompt = $"flood {i}", steps = 100 }));
        using var urgent = Bearer(app, token);
        string first = await urgent.SubmitAsync(new { prompt = "urgent", steps = 1 });

        // Ahead of it at most: the flood's running job and the one already in Hangfire's queue.
        var status = await urgent.StatusAsync(first);
        Assert.True(status.GetProperty("status").GetString() != "queued" || status.GetProperty("queuePosition").GetInt32() <= 2,
            status.ToString());
        foreach (var id in ids) await flood.DeleteAsync($"/api/generations/{id}");
    }

    [Fact]
    public async Task TheAdminPanelIssuesAKeyOnceListsItsUsageAndRevokesIt()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null);
        using var bunit = new BunitContext();
        bunit.Services.AddSingleton(app.Service<ApiKeyStore>());
        bunit.Services.AddSingleton(app.Service<GenerationStats>());
        var panel = bunit.Render<ApiKeysPanel>();

        panel.Find("#key-name").Change("nightly renders");
        panel.Find("#key-rate").Change("12");
        panel.Find("form.new-key").Submit();
        string token = panel.WaitForElement("code.token").TextContent;
        using (var script = Bearer(app, token))
            await script.WaitForAsync(await script.SubmitAsync(new { prompt = "from the panel's key", steps = 1, count = 2 }),
                TimeSpan.FromSeconds(30), "succeeded");

        panel.Render(p => p.Add(x => x.Refreshed, DateTime.UtcNow)); // as the admin page's refresh does
        panel.WaitForAssertion(() => Assert.Equal("1 (2 images)", panel.Find("tr.live .submitted").TextContent));
        var row = panel.Find("tr.live");
        Assert.Equal("nightly renders", row.QuerySelector(".name")!.TextContent);
        Assert.Equal("2", row.QuerySelector(".drawn")!.TextContent);
        Assert.Contains("12/min", row.TextContent);
        row.QuerySelector("button.revoke")!.Click();
        panel.WaitForAssertion(() => Assert.Single(panel.FindAll("tr.revoked")));
        Assert.Null(await app.Service<ApiKeyStore>().AuthenticateAsync(token));
    }
}
