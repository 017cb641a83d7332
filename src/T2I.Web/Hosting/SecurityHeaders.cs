namespace T2I.Web.Hosting;

/// <summary>
/// Headers on every response — pages, API JSON, PNGs, <c>/hangfire</c>, health and errors alike: no MIME
/// sniffing (a PNG or JSON never runs as a page), no Referer (image and status URLs carry the generation id,
/// which is the key to it), and a CSP that lets pages load only our own scripts, connect only back to us (the
/// Blazor circuit) and never be framed. Inline styles are allowed: Blazor's reconnect UI and Hangfire's
/// dashboard use them; Hangfire's dashboard also needs its inline scripts.
/// </summary>
public static class SecurityHeaders
{
    public const string Csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
                              "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public const string DashboardCsp = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
                                       "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; " +
                                       "frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        // On starting, not now: the exception handler clears the headers of a failed response before writing its own.
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/hangfire") ? DashboardCsp : Csp;
            return Task.CompletedTask;
        });
        return next(context);
    });
}
