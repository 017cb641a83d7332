using System.Threading.RateLimiting;
using T2I.Web.Settings;

namespace T2I.Web.Clients;

/// <summary>Submission limits: a token bucket per client address (configuration <c>T2I:RateLimit</c>).</summary>
public sealed record RateLimitOptions : ISettings
{
    public const string Section = "T2I:RateLimit";

    public int SubmitsPerMinute { get; init; } = 30;
    public int Burst { get; init; } = 10;

    /// <param name="perMinute">An API key's own rate (its burst is the same number), instead of the address limit.</param>
    public TokenBucketRateLimiterOptions Bucket(int? perMinute = null) => new()
    {
        TokenLimit = perMinute ?? Burst,
        TokensPerPeriod = perMinute ?? SubmitsPerMinute,
        ReplenishmentPeriod = TimeSpan.FromMinutes(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    public IEnumerable<string> Problems()
    {
        if (SubmitsPerMinute < 1)
            yield return $"{Section}:SubmitsPerMinute must be a whole number of at least 1 (got '{SubmitsPerMinute}').";
        if (Burst < 1) yield return $"{Section}:Burst must be a whole number of at least 1 (got '{Burst}').";
    }
}
