using System.Net;
using System.Text.RegularExpressions;
using T2I.Web.Admin;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.Admin;

public partial class AdminAccessTests
{
    public const string User = "root-admin";
    public const string Password = "correct horse battery staple";
    public static readonly string[] AdminSettings = ["T2I:Admin:User=" + User, "T2I:Admin:PasswordHash=" + AdminCredentials.Hash(Password)];

    [Theory]
    [InlineData("/admin")]
    [InlineData("/hangfire")]
    [InlineData("/hangfire/jobs/enqueued")]
    [InlineData("/hangfire/stats")]
    public async Task AnonymousUsersGetNothingOfTheAdminViews(string path)
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null, AdminSettings);
        using var http = app.NewClient();

        var response = await http.GetAsync(path);

        Assert.True(response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Unauthorized, $"{path}: {response.StatusCode}");
        if (response.StatusCode == HttpStatusCode.Redirect) Assert.StartsWith("/admin/login", response.Headers.Location!.PathAndQuery);
        Assert.DoesNotContain("Queue monitoring", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnAdminLogsInAndSeesTheMonitoringPageAndTheDashboard()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null, AdminSettings);
        using var http = app.NewClient();

        var login = await LoginAsync(http, User, Password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);

        string admin = await http.GetStringAsync("/admin");
        Assert.Contains("Queue monitoring", admin);
        Assert.Contains("generation", admin);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/hangfire")).StatusCode);
    }

    [Fact]
    public async Task AWrongPasswordIsRefused()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null, AdminSettings);
        using var http = app.NewClient();

        var login = await LoginAsync(http, User, "guess");

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("Wrong user name or password", await login.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await http.GetAsync("/hangfire")).StatusCode);
    }

    [Fact]
    public async Task TheLoginFormRequiresItsAntiforgeryToken()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null, AdminSettings);
        using var http = app.NewClient();

        var response = await http.PostAsync("/admin/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login", ["Input.User"] = User, ["Input.Password"] = Password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await http.GetAsync("/admin")).StatusCode);
    }

    [Fact]
    public async Task WithoutConfiguredCredentialsAdminIsDisabledAndSaysWhy()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var http = app.NewClient();

        string page = await http.GetStringAsync("/admin/login");

        Assert.Contains("Admin is disabled: no admin account is configured", page);
        Assert.DoesNotContain("type=\"password\"", page);
        Assert.Equal(HttpStatusCode.Redirect, (await http.GetAsync("/hangfire")).StatusCode);
    }

    [Fact]
    public async Task APlainPasswordInConfigurationIsNotAccepted()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null, "T2I:Admin:User=admin", "T2I:Admin:PasswordHash=admin");
        using var http = app.NewClient();
        Assert.Contains("plain passwords are not accepted", await http.GetStringAsync("/admin/login"));
    }

    [Fact]
    public void HashesVerifyOnlyTheirOwnPassword()
    {
        var options = new AdminOptions { User = "a", PasswordHash = AdminCredentials.Hash("s3cret-enough-pass") };
        var credentials = new AdminCredentials(Microsoft.Extensions.Options.Options.Create(options));
        Assert.True(credentials.Verify("a", "s3cret-enough-pass"));
        Assert.False(credentials.Verify("a", "s3cret-enough-pasS"));
        Assert.False(credentials.Verify("b", "s3cret-enough-pass"));
        Assert.NotEqual(AdminCredentials.Hash("x"), AdminCredentials.Hash("x")); // salted
    }

    [Fact]
    public async Task TwentyWrongLoginsLockTheAccountSoEvenTheRightPasswordIsRefusedForAWhile()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null, AdminSettings);
        using var admin = app.NewClient();

        // Guessers four at a time (the report: 70 wrong guesses, then the right one let in).
        for (int round = 0; round < 20 / 4; round++)
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
            {
                using var guesser = app.NewClient();
                var wrong = await LoginAsync(guesser, User, $"guess {round}-{i}");
                Assert.Contains("Wrong user name or password", await wrong.Content.ReadAsStringAsync());
            }));
        var right = await LoginAsync(admin, User, Password);

        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("Too many failed logins", await right.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await admin.GetAsync("/hangfire")).StatusCode);
    }

    /// <summary>Posts the real login form: its hidden fields (handler name, antiforgery token) plus credentials.</summary>
    public static async Task<HttpResponseMessage> LoginAsync(HttpClient http, string user, string password)
    {
        string form = await http.GetStringAsync("/admin/login");
        var fields = HiddenInput().Matches(form).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        fields["Input.User"] = user;
        fields["Input.Password"] = password;
        return await http.PostAsync("/admin/login", new FormUrlEncodedContent(fields));
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\"")]
    private static partial Regex HiddenInput();
}
