using T2I.Web.Settings;

namespace T2I.Web.Roles;

/// <summary><c>T2I:Role</c>: what this process does (see <see cref="T2IRole"/>); empty means <c>all</c>.</summary>
public sealed record RoleOptions : ISettings
{
    public const string Section = "T2I";

    public string? Role { get; init; }

    public T2IRole Parsed() => string.IsNullOrWhiteSpace(Role) ? T2IRole.All : Role.Trim().ToLowerInvariant() switch
    {
        "all" => T2IRole.All,
        "web" => T2IRole.Web,
        "worker" => T2IRole.Worker,
        _ => throw new InvalidSettingsException(Problems().First()),
    };

    public IEnumerable<string> Problems()
    {
        if (!string.IsNullOrWhiteSpace(Role) && Role.Trim().ToLowerInvariant() is not ("all" or "web" or "worker"))
            yield return $"{Section}:Role must be 'all', 'web' or 'worker' (got '{SettingsBinding.Cut(Role)}').";
    }
}
