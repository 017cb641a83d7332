using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using T2I.Web.Generation;

namespace T2I.Web.Tests.Support;

/// <summary>
/// The real web app on a free loopback port (Kestrel), with its own image folder and — unless a test asks
/// for the configured source — the test-double generator. Disposing stops it and deletes the folder.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly bool _ownsDataDir;

    public WebApplication App { get; }
    public Uri Address { get; }
    public string DataDir { get; }
    public TestDoubleGeneratorSource? Source { get; }
    public TestDoubleGenerator? Generator => Source?.Generator;

    private TestApp(WebApplication app, string dataDir, bool ownsDataDir, TestDoubleGeneratorSource? source)
    {
        App = app;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
        Source = source;
        Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    /// <param name="generator">null: keep the app's own configured model source (no model unless configured).</param>
    public static Task<TestApp> StartAsync(TestDoubleGenerator? generator = null, string? dataDir = null, params string[] settings) =>
        StartAsync(generator, dataDir, null, settings);

    /// <summary>With the test-double generator and extra services (e.g. test doubles of other hooks).</summary>
    public static Task<TestApp> StartWithAsync(Action<IServiceCollection> services, params string[] settings) =>
        StartAsync(new TestDoubleGenerator(), null, services, settings);

    public static async Task<TestApp> StartAsync(TestDoubleGenerator? generator, string? dataDir, Action<IServiceCollection>? services, string[] settings)
    {
        bool owns = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("t2i-web-test-").FullName;
        var source = generator is null ? null : new TestDoubleGeneratorSource(generator);
        string[] args = ["--urls", "http://127.0.0.1:0", "--environment", "Development", $"--T2I:Images={dataDir}",
            "--Logging:LogLevel:Default=Warning", .. settings.Select(s => "--" + s)];
        var app = Program.BuildApp(args, b =>
        {
            if (source is not null) b.Services.Replace(ServiceDescriptor.Singleton<IGeneratorSource>(source));
            services?.Invoke(b.Services);
        });
        await app.StartAsync();
        return new TestApp(app, dataDir, owns, source);
    }

    /// <summary>A client with its own cookie jar: one browser, one anonymous client id.</summary>
    public HttpClient NewClient() => NewClient(new CookieContainer());

    /// <summary>A client with the given cookie jar: the same browser coming back to a restarted app (cookies ignore ports).</summary>
    public HttpClient NewClient(CookieContainer jar) => new(new HttpClientHandler { CookieContainer = jar, AllowAutoRedirect = false })
    {
        BaseAddress = Address,
    };

    /// <summary>A script without a cookie jar (curl, Python <c>requests</c> without a session): every request comes fresh.</summary>
    public HttpClient NewScript() => new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = Address };

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        if (_ownsDataDir) Directory.Delete(DataDir, recursive: true);
    }
}

/// <summary>Small helpers over the JSON API.</summary>
public static class ApiClient
{
    public static async Task<string> SubmitAsync(this HttpClient http, object body)
    {
        var response = await http.PostAsJsonAsync("/api/generations", body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Asserts that <paramref name="response"/> is an RFC 7807 problem document with <paramref name="status"/> (in the
    /// header and the body, titled with the status's reason phrase) and returns its <c>detail</c>, the message for the user.
    /// </summary>
    public static async Task<string> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        string title = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase((int)status);
        Assert.Equal(title, problem.GetProperty("title").GetString());
        return problem.GetProperty("detail").GetString()!;
    }

    public static async Task<JsonElement> StatusAsync(this HttpClient http, string id) =>
        JsonDocument.Parse(await http.GetStringAsync($"/api/generations/{id}")).RootElement;

    /// <summary>Polls until the generation's status is one of <paramref name="states"/>; returns the last status document.</summary>
    public static Task<JsonElement> WaitForAsync(this HttpClient http, string id, TimeSpan timeout, params string[] states) =>
        http.WaitUntilAsync(id, timeout, status => states.Contains(status.GetProperty("status").GetString()));

    /// <summary>Polls until the generation's status document satisfies <paramref name="condition"/>; returns it.</summary>
    public static async Task<JsonElement> WaitUntilAsync(this HttpClient http, string id, TimeSpan timeout,
        Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await http.StatusAsync(id);
            if (condition(status)) return status;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Generation {id} still {status} after {timeout}.");
            await Task.Delay(20);
        }
    }
}
