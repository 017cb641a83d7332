using T2I.Web.Settings;

namespace T2I.Web.Roles;

/// <summary>
/// What one process of the app does (<c>T2I:Role</c>). <c>all</c> (default): UI, API and the Hangfire servers in
/// one process. <c>web</c>: UI and API; it enqueues jobs but runs none (no Hangfire server, no model weights
/// loaded). <c>worker</c>: the Hangfire servers for the generation and maintenance (ingestion) queues, and on
/// HTTP only <c>/healthz</c> and <c>/readyz</c>. Web and worker processes meet in shared storage: PostgreSQL
/// for Hangfire and one image store (<c>T2I:Images</c>), so both roles require <c>ConnectionStrings:Hangfire</c>.
/// </summary>
public enum T2IRole { All, Web, Worker }

public static class T2IRoles
{
    public const string Key = RoleOptions.Section + ":Role";

    /// <summary>The role of <paramref name="config"/>, read before any service exists (it decides which are registered).</summary>
    public static T2IRole Of(IConfiguration config)
    {
        var role = SettingsBinding.Read<RoleOptions>(config, RoleOptions.Section).Parsed();
        if (role != T2IRole.All && string.IsNullOrWhiteSpace(config.GetConnectionString("Hangfire")))
            throw new InvalidSettingsException(
                $"{Key}={role.ToString().ToLowerInvariant()} needs job storage shared with the other processes: set " +
                    $"ConnectionStrings:Hangfire " +
                "(PostgreSQL). The embedded SQLite and in-memory queues only work with T2I:Role=all.");
        return role;
    }

    public static bool ServesUi(this T2IRole role) => role != T2IRole.Worker;

    public static bool RunsJobs(this T2IRole role) => role != T2IRole.Web;
}

/// <summary>The role this process was started in (see <see cref="T2IRole"/>).</summary>
public sealed record HostRole(T2IRole Role);
