using T2I.Web.Admin;
using T2I.Web.Api;
using T2I.Web.Clients;
using T2I.Web.Components;
using T2I.Web.Hosting;
using T2I.Web.Roles;
using T2I.Web.Settings;

namespace T2I.Web;

public class Program
{
    public static int Main(string[] args)
    {
        if (args is ["hash-password", ..]) return HashPasswordCommand.Run(args[1..]);
        if (args is ["bench-queue", ..]) return QueueBenchCommand.RunAsync(args[1..]).GetAwaiter().GetResult();
        try
        {
            BuildApp(args).Run();
        }
        catch (InvalidSettingsException ex)
        {
            Console.Error.WriteLine(ex.Message); // the setting to fix, not a stack trace
            return 2;
        }
        return 0;
    }

    public const long MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>
    /// Builds the app for its <c>T2I:Role</c>; <paramref name="configure"/> lets tests replace services (e.g. the
    /// generator source). A worker maps only the health endpoints.
    /// </summary>
    public static WebApplication BuildApp(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // ApplicationName pins static-asset manifests to this assembly, also when a test host starts us.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(Program).Assembly.GetName().Name,
        });
        var role = T2IRoles.Of(builder.Configuration);
        builder.Services.AddProblemDetails();
        // No endpoint takes uploads: a body past this is refused (413) wherever it is sent, not buffered.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        if (role.ServesUi())
        {
            builder.Services.AddRazorComponents().AddInteractiveServerComponents();
            builder.Services.AddAdminAuth();
        }
        builder.Services.AddT2IWeb(builder.Configuration, role);
        configure?.Invoke(builder);

        var app = builder.Build();
        try
        {
            SettingsBinding.CheckAll(app.Services, builder.Configuration);
        }
        catch (InvalidSettingsException)
        {
            ((IDisposable)app).Dispose();
            throw;
        }
        app.UseSecurityHeaders();
        // Also in Development: users get a short problem response, never a stack trace.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // A body over Kestrel's limit (and other malformed requests) is the client's error, not a 500.
            StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.MapHealthEndpoints();
        if (!role.ServesUi()) return app;

        app.UseClientId();
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
