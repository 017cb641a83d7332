using System.Text.Json;
using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using T2I.Core.Storage;
using T2I.Web.Generation;
using T2I.Web.Roles;

namespace T2I.Web.Hosting;

/// <summary>
/// <c>/healthz</c>: liveness — the process answers HTTP (no dependency is checked, so a storage outage never
/// gets every replica restarted). <c>/readyz</c>: readiness — the image store and Hangfire's job storage answer
/// within <see cref="ProbeTimeout"/>; on processes that run jobs also the model loaded. 200 or 503 with a JSON
/// body naming each check. Both are anonymous and exist in every role.
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public static IServiceCollection AddT2IHealthChecks(this IServiceCollection services)
    {
        var checks = services.AddHealthChecks()
            .AddCheck<ImageStoreCheck>("storage", tags: [ReadyTag], timeout: ProbeTimeout)
            .AddCheck<JobStorageCheck>("hangfire", tags: [ReadyTag], timeout: ProbeTimeout);
        checks.AddCheck<ModelCheck>("model", tags: [ReadyTag]);
        return services;
    }

    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
    }

    private static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        http.Response.Headers.CacheControl = "no-store";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            role = http.RequestServices.GetRequiredService<HostRole>().Role.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString().ToLowerInvariant(),
                detail = e.Value.Description
            }),
        };
        return http.Response.WriteAsync(JsonSerializer.Serialize(body, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
    }

    /// <summary>Runs a blocking probe off the request thread and gives up after <see cref="ProbeTimeout"/>.</summary>
    private static async Task<HealthCheckResult> ProbeAsync(string what, Func<CancellationToken, Task> probe, CancellationToken ct)
    {
        try
        {
            await Task.Run(() => probe(ct), ct).WaitAsync(ProbeTimeout, ct);
            return HealthCheckResult.Healthy($"{what} reachable");
        }
        catch (TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"{what} did not answer within {ProbeTimeout.TotalSeconds:F0} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The message only: readiness output is anonymous, so no stack traces or connection strings.
            return HealthCheckResult.Unhealthy($"{what} unreachable: {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>Lists the record prefix (one page at most): proves the store answers and we may read it.</summary>
    private sealed class ImageStoreCheck(IBlobStore store) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
            ProbeAsync("image store", async token => { await foreach (var _ in store.ListAsync("records/", token)) break; }, ct);
    }

    /// <summary>One read query against Hangfire's storage (PostgreSQL: a round trip on a pooled connection).</summary>
    private sealed class JobStorageCheck(JobStorage storage) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
            ProbeAsync("job storage", _ =>
            {
                using var connection = storage.GetConnection();
                connection.GetAllItemsFromSet("t2i:readyz");
                return Task.CompletedTask;
            }, ct);
    }

    /// <summary>
    /// A worker is ready once its model is loaded (it is useless without one). In the <c>all</c> role a missing
    /// model only degrades (the page still answers and says why); a web process loads no model.
    /// </summary>
    private sealed class ModelCheck(HostRole role, GeneratorProvider provider) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
        {
            var failed = role.Role == T2IRole.Worker ? HealthStatus.Unhealthy : HealthStatus.Degraded;
            var result = role.Role switch
            {
                T2IRole.Web => HealthCheckResult.Healthy($"not loaded in the web role ({provider.ModelId ?? provider.UnavailableReason})"),
                _ when !provider.IsLoaded => new HealthCheckResult(failed, "model still loading"),
                _ when provider.UnavailableReason is { } reason => new HealthCheckResult(failed, $"no model: {reason}"),
                _ => HealthCheckResult.Healthy(provider.ModelId),
            };
            return Task.FromResult(result);
        }
    }
}
