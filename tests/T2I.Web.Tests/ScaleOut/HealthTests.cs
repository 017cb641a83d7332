using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using T2I.Core.Storage;
using T2I.Web.Tests.Support;

namespace T2I.Web.Tests.ScaleOut;

/// <summary><c>/healthz</c> says the process answers; <c>/readyz</c> says its storage and job storage answer too.</summary>
public class HealthTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TheDefaultAppIsLiveAndBecomesReadyWithEveryCheckNamed()
    {
        await using var app = await TestApp.StartAsync(new TestDoubleGenerator());
        using var http = app.NewClient();

        var live = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("all", JsonDocument.Parse(await live.Content.ReadAsStringAsync()).RootElement.GetProperty("role").GetString());
        var ready = await WaitReadyAsync(http, Timeout);
        foreach (var check in new[] { "storage", "hangfire", "model" })
            Assert.Equal("healthy", ready.GetProperty("checks").GetProperty(check).GetProperty("status").GetString());
    }

    [Fact]
    public async Task AnUnreachableImageStoreMakesTheAppUnreadyButStillLive()
    {
        var store = new SwitchableStore(Directory.CreateTempSubdirectory("t2i-health-").FullName);
        await using var app = await TestApp.StartWithAsync(s => s.Replace(ServiceDescriptor.Singleton<IBlobStore>(store)));
        using var http = app.NewClient();
        await WaitReadyAsync(http, Timeout);

        store.Down = true;
        var ready = await http.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var checks = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
        Assert.Equal("unhealthy", checks.GetProperty("storage").GetProperty("status").GetString());
        Assert.Contains("connection refused", checks.GetProperty("storage").GetProperty("detail").GetString());
        Assert.Equal("healthy", checks.GetProperty("hangfire").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task AStoppedPostgreSqlMakesTheWebRoleUnready()
    {
        var postgres = new PostgresServer();
        bool stopped = false;
        try
        {
            await using var app = await TestApp.StartAsync(new TestDoubleGenerator(), null, "T2I:Role=web", "ConnectionStrings:Hangfire=" + postgres.ConnectionString);
            using var http = app.NewClient();
            await WaitReadyAsync(http, Timeout);

            postgres.Dispose();
            stopped = true;
            var ready = await http.GetAsync("/readyz");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var checks = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("checks");
            Assert.Equal("unhealthy", checks.GetProperty("hangfire").GetProperty("status").GetString());
            Assert.Equal("healthy", checks.GetProperty("storage").GetProperty("status").GetString());
            Assert.DoesNotContain("Username", checks.GetProperty("hangfire").GetProperty("detail").GetString()); // no connection string leaks
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        }
        finally { if (!stopped) postgres.Dispose(); }
    }

    /// <summary>Polls <c>/readyz</c> until 200; returns its JSON.</summary>
    public static async Task<JsonElement> WaitReadyAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var response = await http.GetAsync("/readyz");
            string body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK) return JsonDocument.Parse(body).RootElement;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"/readyz still {(int)response.StatusCode}: {body}");
            await Task.Delay(100);
        }
    }

    /// <summary>TEST DOUBLE: a real local store that can be switched to fail like an unreachable server.</summary>
    private sealed class SwitchableStore(string root) : IBlobStore
    {
        private readonly LocalBlobStore _inner = new(root);
        public bool Down { get; set; }
        public string Location => _inner.Location;
        private void Check() { if (Down) throw new HttpRequestException("connection refused (test: store switched off)"); }
        public Task<bool> ExistsAsync(string key, CancellationToken ct = default) { Check(); return _inner.ExistsAsync(key, ct); }
        public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix = "", [EnumeratorCancellation] CancellationToken ct = default)
        {
            Check();
            await foreach (var b in _inner.ListAsync(prefix, ct)) yield return b;
        }
        public Task<Stream> OpenReadAsync(string key, CancellationToken ct = default) { Check(); return _inner.OpenReadAsync(key, ct); }
        public Task WriteAsync(string key, Stream content, CancellationToken ct = default) { Check(); return _inner.WriteAsync(key, content, ct); }
        public Task DeleteAsync(string key, CancellationToken ct = default) { Check(); return _inner.DeleteAsync(key, ct); }
    }
}
