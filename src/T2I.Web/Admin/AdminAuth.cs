using System.Security.Claims;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace T2I.Web.Admin;

/// <summary>Cookie authentication for admins, the "admin" policy, the Hangfire dashboard behind it, and logout.</summary>
public static class AdminAuth
{
    public const string Policy = "admin";
    public const string Role = "admin";
    public const string LoginPath = "/admin/login";

    public static IServiceCollection AddAdminAuth(this IServiceCollection services)
    {
        services.AddSingleton<AdminCredentials>();
        services.AddSingleton<LoginThrottle>();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(o =>
        {
            o.Cookie.Name = "t2i_admin";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = LoginPath;
            o.AccessDeniedPath = LoginPath;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
        });
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.RequireAuthenticatedUser().RequireRole(Role));
        services.AddCascadingAuthenticationState();
        return services;
    }

    public static ClaimsPrincipal Principal(string user) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, user), new Claim(ClaimTypes.Role, Role)],
            CookieAuthenticationDefaults.AuthenticationScheme));

    public static void MapAdmin(this IEndpointRouteBuilder app)
    {
        var storage = app.ServiceProvider.GetRequiredService<JobStorage>();
        // Two locks: the endpoint policy (anonymous → login redirect) and Hangfire's own filter, which would
        // otherwise let any local request in.
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new AdminDashboardFilter()],
            AppPath = "/admin",
            DashboardTitle = "T2I jobs",
            DisplayStorageConnectionString = false,
        }, storage).RequireAuthorization(Policy);

        app.MapPost("/admin/logout", async (HttpContext http, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http)) return Results.BadRequest(new
            {
                error = "Missing or invalid " +
                "antiforgery token."
            });
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/");
        }).DisableAntiforgery(); // validated above, explicitly

    }

    private sealed class AdminDashboardFilter : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(Role);
    }
}
