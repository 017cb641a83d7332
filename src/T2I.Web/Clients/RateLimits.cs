using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace T2I.Web.Clients;

/// <summary>Per-client submission limits: a token bucket per client id (configuration <c>T2I:RateLimit</c>).</summary>
public sealed record RateLimitOptions(int SubmitsPerMinute = 30, int Burst = 10)
{
    public const string SubmitPolicy = "submit";

    public TokenBucketRateLimiterOptions Bucket() => new()
    {
        TokenLimit = Math.Max(1, Burst),
        TokensPerPeriod = Math.Max(1, SubmitsPerMinute),
        ReplenishmentPeriod = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    public static RateLimitOptions From(IConfiguration config) =>
        config.GetSection("T2I:RateLimit").Get<RateLimitOptions>() ?? new RateLimitOptions();
}

/// <summary>
/// The same per-client limit for submissions from the interactive page, which arrive over the Blazor circuit
/// and so never pass the HTTP rate-limiting middleware that guards the API.
/// </summary>
public sealed class PageSubmitLimiter(RateLimitOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(
        client => RateLimitPartition.GetTokenBucketLimiter(client, _ => options.Bucket()));

    public bool TryAcquire(string clientId)
    {
        using var lease = _limiter.AttemptAcquire(clientId);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}

public static class RateLimitRegistration
{
    public static IServiceCollection AddClientRateLimits(this IServiceCollection services, RateLimitOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<PageSubmitLimiter>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.ContentType = "application/json";
                await ctx.HttpContext.Response.WriteAsJsonAsync(new { error = "Too many submissions; wait a minute and try again." }, ct);
            };
            o.AddPolicy(RateLimitOptions.SubmitPolicy, http =>
                RateLimitPartition.GetTokenBucketLimiter(ClientId.Of(http), _ => options.Bucket()));
        });
        return services;
    }
}
