using T2I.Web.Settings;

namespace T2I.Web.Hosting;

/// <summary><c>T2I:DataProtection:Keys</c>: the key ring every web replica reaches (see <see cref="SharedKeys"/>).</summary>
public sealed record SharedKeysOptions : ISettings
{
    public const string Section = "T2I:DataProtection";

    public string? Keys { get; init; }

    public IEnumerable<string> Problems() => [];
}
