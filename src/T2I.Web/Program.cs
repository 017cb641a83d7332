using Hangfire;
using T2I.Web.Components;

namespace T2I.Web;

public class Program
{
    public static void Main(string[] args) => BuildApp(args).Run();

    public static WebApplication BuildApp(string[] args)
    {
        // ApplicationName pins static-asset manifests to this assembly, also when a test host starts us.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(Program).Assembly.GetName().Name,
        });
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddHangfire(c => c.UseInMemoryStorage());
        builder.Services.AddHangfireServer();

        var app = builder.Build();
        if (!app.Environment.IsDevelopment()) app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
