using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace T2I.Web.Clients;

/// <summary>
/// One limit for submissions from the API and from the interactive page (whose submissions arrive over the
/// Blazor circuit, past any HTTP middleware). Keyed by the client's address, not by the client-id cookie: the
/// server hands that cookie out, so a client without a cookie jar would get a fresh bucket per request. The
/// service takes a token only for a valid submission (see <see cref="Generation.GenerationService.SubmitAsync"/>).
/// </summary>
public sealed class SubmitLimiter(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<(string Key, int? PerMinute)> _limiter =
        PartitionedRateLimiter.Create<(string Key, int? PerMinute), (string, int?)>(
            key => RateLimitPartition.GetTokenBucketLimiter(key, k => options.Value.Bucket(k.Item2)));

    /// <summary>Null when a token was taken; otherwise how long to wait before trying again.</summary>
    /// <param name="perMinute">An API key's own rate; null: the configured address limit.</param>
    public TimeSpan? TryAcquire(string key, int? perMinute = null)
    {
        using var lease = _limiter.AttemptAcquire((key, perMinute));
        if (lease.IsAcquired) return null;
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
    }

    /// <summary>
    /// The limiter key of a request: its remote address. One IPv6 host commonly holds a whole /64, so IPv6 is
    /// keyed by that prefix. Behind a reverse proxy, configure forwarded headers so this is the client's address.
    /// </summary>
    public static string KeyOf(HttpContext http) => KeyOf(http.Connection.RemoteIpAddress);

    public static string KeyOf(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        byte[] bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    public void Dispose() => _limiter.Dispose();
}
