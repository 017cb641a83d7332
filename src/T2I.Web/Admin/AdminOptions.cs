using T2I.Web.Settings;

namespace T2I.Web.Admin;

/// <summary>
/// <c>T2I:Admin:User</c> and <c>T2I:Admin:PasswordHash</c>. A missing or malformed hash disables admin (see
/// <see cref="AdminCredentials.DisabledReason"/>) rather than stopping the app: the public page keeps working.
/// </summary>
public sealed record AdminOptions : ISettings
{
    public const string Section = "T2I:Admin";

    public string? User { get; init; }
    public string? PasswordHash { get; init; }

    public IEnumerable<string> Problems() => [];
}
