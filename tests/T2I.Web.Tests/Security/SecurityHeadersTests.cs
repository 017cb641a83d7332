using System.Net;
using T2I.Web.Tests.Admin;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Security;

public class SecurityHeadersTests
{
    [Fact]
    public async Task EveryKindOfResponseCarriesNosniffNoReferrerAndACsp()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null, AdminAccessTests.AdminSettings);
        using var http = app.NewClient();
        string id = await http.SubmitAsync(new { prompt = "headers", steps = 1 });
        await http.WaitForAsync(id, TimeSpan.FromSeconds(30), "succeeded");
        using var admin = app.NewClient();
        var login = await AdminAccessTests.LoginAsync(admin, AdminAccessTests.User, AdminAccessTests.Password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);

        var responses = new Dictionary<string, HttpResponseMessage>
        {
            ["page"] = await http.GetAsync("/"),
            ["api json"] = await http.GetAsync($"/api/generations/{id}"),
            ["png"] = await http.GetAsync($"/api/generations/{id}/image"),
            ["api 404"] = await http.GetAsync($"/api/generations/{new string('0', 32)}"),
            ["api 400"] = await http.PostAsync("/api/generations", new StringContent("{", null, "application/json")),
            ["health"] = await http.GetAsync("/healthz"),
            ["hangfire anonymous"] = await http.GetAsync("/hangfire"),
            ["hangfire admin"] = await admin.GetAsync("/hangfire"),
        };

        Assert.Equal(HttpStatusCode.OK, responses["hangfire admin"].StatusCode);
        foreach (var (name, response) in responses)
        {
            Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) && nosniff.Single() == "nosniff", name);
            Assert.True(response.Headers.TryGetValues("Referrer-Policy", out var referrer) && referrer.Single() == "no-referrer", name);
            Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp)
                        && csp.Single().Contains("frame-ancestors 'none'"), name);
        }
        Assert.Contains("script-src 'self';", responses["page"].Headers.GetValues("Content-Security-Policy").Single());
    }
}
