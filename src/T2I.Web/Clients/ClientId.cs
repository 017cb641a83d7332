using System.Security.Cryptography;

namespace T2I.Web.Clients;

/// <summary>
/// Anonymous users are told apart by a random client id in an HttpOnly cookie (128 bits: unguessable, so it
/// also is what lets a browser see its own jobs and nobody else's). Assigned on the first request.
/// </summary>
public static partial class ClientId
{
    public const string CookieName = "t2i_client";
    private const string ItemKey = "t2i.client-id";

    public static string Of(HttpContext context) =>
        context.Items[ItemKey] as string ?? throw new InvalidOperationException("ClientId middleware did not run.");

    public static IApplicationBuilder UseClientId(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        // Probes (load balancers, Kubernetes) are not clients: no cookie for them.
        if (context.Request.Path.StartsWithSegments("/healthz") || context.Request.Path.StartsWithSegments("/readyz"))
        {
            await next();
            return;
        }
        string? id = context.Request.Cookies[CookieName];
        if (id is null || !CookieIdPattern().IsMatch(id))
        {
            id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            context.Response.Cookies.Append(CookieName, id, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Lax, // cross-site POSTs carry no client id, so they cannot act as the user
                Secure = context.Request.IsHttps,
                IsEssential = true,
                MaxAge = TimeSpan.FromDays(365),
                Path = "/",
            });
        }
        context.Items[ItemKey] = id;
        await next();
    });

    /// <summary>What this middleware hands out: 32 lowercase hex digits (anything else gets a fresh id).</summary>
    [System.Text.RegularExpressions.GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial System.Text.RegularExpressions.Regex CookieIdPattern();
}
