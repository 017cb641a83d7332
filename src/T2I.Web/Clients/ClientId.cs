using System.Security.Cryptography;
using T2I.Web.Generation;

namespace T2I.Web.Clients;

/// <summary>
/// Anonymous users are told apart by a random client id in an HttpOnly cookie (128 bits: unguessable, so it
/// also is what lets a browser see its own jobs and nobody else's). Assigned on the first request.
/// </summary>
public static class ClientId
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
        if (!GenerationStore.IsValidId(id))
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
}
