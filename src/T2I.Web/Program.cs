using T2I.Web.Admin;
using T2I.Web.Api;
using T2I.Web.Clients;
using T2I.Web.Components;
using T2I.Web.Hosting;

namespace T2I.Web;

public class Program
{
    public static int Main(string[] args)
    {
        if (args is ["hash-password", ..]) return HashPasswordCommand.Run(args[1..]);
        BuildApp(args).Run();
        return 0;
    }

    /// <summary>Builds the app; <paramref name="configure"/> lets tests replace services (e.g. the generator source).</summary>
    public static WebApplication BuildApp(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // ApplicationName pins static-asset manifests to this assembly, also when a test host starts us.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(Program).Assembly.GetName().Name,
        });
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddProblemDetails();
        builder.Services.AddT2IWeb(builder.Configuration);
        builder.Services.AddAdminAuth();
        configure?.Invoke(builder);

        var app = builder.Build();
        // Also in Development: users get a short problem response, never a stack trace.
        app.UseExceptionHandler();
        app.UseClientId();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapGenerationApi();
        app.MapAdmin();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
